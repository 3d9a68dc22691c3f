using System.Runtime.CompilerServices;
using Xunit;
using static Vmm.Whp.Interop.WinHvPlatform;

namespace Vmm.Whp.Tests.Interop;

/// <summary>
/// The managed WHP types against WinHvPlatformDefs.h (MicrosoftDocs/Virtualization-Documentation,
/// virtualization/api/hypervisor-platform/headers). Every expected number is read off the header: sizes
/// from its C_ASSERTs (the row names the line), offsets from its declarations with MSVC x64 layout rules
/// (natural alignment, bitfields packed into their declared type). None comes from running this code.
/// </summary>
public sealed class WhpLayoutTests
{
    private delegate ref TField FieldAccessor<TStruct, TField>(ref TStruct value);

    /// <summary>
    /// One row per x64 C_ASSERT of the header whose type is bound here: 83 of the 91. Not bound, so not
    /// mirrored: 3967 WHV_X64_NESTED_STATE (nested virtualization state), 4102 WHV_SRIOV_RESOURCE_DESCRIPTOR
    /// and 4123-4229 the six WHV_VPCI_* structs (device assignment).
    /// </summary>
    public static TheoryData<string, int, int> HeaderSizeAssertions => new()
    {
        Size<WHV_UINT128>(856, 16),
        Size<WHV_X64_FP_REGISTER>(873, 16),
        Size<WHV_X64_FP_CONTROL_STATUS_REGISTER>(902, 16),

        // Line 928 repeats the FP_CONTROL_STATUS assert right after WHV_X64_XMM_CONTROL_STATUS_REGISTER; it is
        // evidently meant for the XMM type, which is also a 16-byte union over WHV_UINT128.
        Size<WHV_X64_XMM_CONTROL_STATUS_REGISTER>(928, 16),
        Size<WHV_X64_SEGMENT_REGISTER>(955, 16),
        Size<WHV_X64_TABLE_REGISTER>(964, 16),
        Size<WHV_X64_INTERRUPT_STATE_REGISTER>(978, 8),
        Size<WHV_X64_PENDING_INTERRUPTION_REGISTER>(997, 8),
        Size<WHV_X64_PENDING_EXCEPTION_EVENT>(1025, 16),
        Size<WHV_X64_PENDING_EXT_INT_EVENT>(1043, 16),
        Size<WHV_X64_PENDING_SVM_NESTED_EXIT_EVENT0>(1100, 16),
        Size<WHV_X64_PENDING_SVM_NESTED_EXIT_EVENT1>(1101, 16),
        Size<WHV_X64_PENDING_SVM_NESTED_EXIT_EVENT2>(1102, 16),
        Size<WHV_X64_PENDING_SVM_NESTED_EXIT_EVENT3>(1103, 16),
        Size<WHV_X64_PENDING_VMX_NESTED_EXIT_EVENT0>(1145, 16),
        Size<WHV_X64_PENDING_VMX_NESTED_EXIT_EVENT1>(1146, 16),
        Size<WHV_X64_PENDING_VMX_NESTED_EXIT_EVENT2>(1147, 16),
        Size<WHV_X64_NESTED_INVEPT_REGISTER>(1161, 16),
        Size<WHV_X64_NESTED_INVVPID_REGISTER>(1177, 16),
        Size<WHV_X64_NESTED_GUEST_STATE>(1194, 16),
        Size<WHV_DELIVERABILITY_NOTIFICATIONS_REGISTER>(1216, 8),
        Size<WHV_INTERNAL_ACTIVITY_REGISTER>(1231, 8),
        Size<WHV_X64_PENDING_DEBUG_EXCEPTION>(1251, 8),
        Size<WHV_REGISTER_VALUE>(1385, 16),
        Size<WHV_CAPABILITY_FEATURES>(1483, 8),
        Size<WHV_EXTENDED_VM_EXITS>(1526, 8),
        Size<WHV_X64_PROCESSOR_FEATURES>(1621, 8),
        Size<WHV_X64_PROCESSOR_FEATURES1>(1699, 8),

        // 8 * (WHV_PROCESSOR_FEATURES_BANKS_COUNT + 1) with the count #defined as 2 on line 1885.
        Size<WHV_PROCESSOR_FEATURES_BANKS>(1903, 24),
        Size<WHV_SYNTHETIC_PROCESSOR_FEATURES>(2078, 8),
        Size<WHV_SYNTHETIC_PROCESSOR_FEATURES_BANKS>(2097, 16),
        Size<WHV_PROCESSOR_XSAVE_FEATURES>(2334, 8),
        Size<WHV_PROCESSOR_PERFMON_FEATURES>(2352, 8),
        Size<WHV_X64_MSR_EXIT_BITMAP>(2374, 8),
        Size<WHV_TRANSLATE_GVA_2_FLAGS>(2450, 8),
        Size<WHV_TRANSLATE_GVA_RESULT>(2481, 8),
        Size<WHV_MEMORY_RANGE_ENTRY>(2496, 16),
        Size<WHV_ADVISE_GPA_RANGE_POPULATE_FLAGS>(2509, 4),
        Size<WHV_ADVISE_GPA_RANGE_POPULATE>(2527, 8),
        Size<WHV_ADVISE_GPA_RANGE>(2537, 8),
        Size<WHV_ACCESS_GPA_CONTROLS>(2573, 8),
        Size<WHV_CAPABILITY_PROCESSOR_FREQUENCY_CAP>(2585, 20),
        Size<WHV_SCHEDULER_FEATURES>(2602, 8),
        Size<WHV_X64_CPUID_RESULT>(2650, 32),
        Size<WHV_CPUID_OUTPUT>(2668, 16),
        Size<WHV_X64_CPUID_RESULT2>(2683, 48),
        Size<WHV_MSR_ACTION_ENTRY>(2696, 8),
        Size<WHV_X64_VP_EXECUTION_STATE>(2910, 2),

        // Asserted as WHV_X64_VP_EXIT_CONTEXT; WHV_VP_EXIT_CONTEXT is its typedef alias (line 2925).
        Size<WHV_VP_EXIT_CONTEXT>(2927, 40),
        Size<WHV_SYNIC_SINT_DELIVERABLE_CONTEXT>(2936, 8),
        Size<WHV_MEMORY_ACCESS_INFO>(2954, 4),
        Size<WHV_MEMORY_ACCESS_CONTEXT>(2971, 40),
        Size<WHV_X64_IO_PORT_ACCESS_INFO>(2990, 4),
        Size<WHV_X64_IO_PORT_ACCESS_CONTEXT>(3011, 96),
        Size<WHV_X64_MSR_ACCESS_INFO>(3027, 4),
        Size<WHV_X64_MSR_ACCESS_CONTEXT>(3038, 24),
        Size<WHV_X64_CPUID_ACCESS_CONTEXT>(3056, 64),
        Size<WHV_VP_EXCEPTION_INFO>(3074, 4),
        Size<WHV_VP_EXCEPTION_CONTEXT>(3090, 40),
        Size<WHV_X64_UNSUPPORTED_FEATURE_CONTEXT>(3109, 16),
        Size<WHV_RUN_VP_CANCELED_CONTEXT>(3271, 4),
        Size<WHV_X64_INTERRUPTION_DELIVERABLE_CONTEXT>(3291, 4),
        Size<WHV_X64_APIC_EOI_CONTEXT>(3302, 4),
        Size<WHV_X64_RDTSC_INFO>(3318, 8),
        Size<WHV_X64_RDTSC_CONTEXT>(3329, 40),
        Size<WHV_X64_APIC_SMI_CONTEXT>(3339, 8),
        Size<WHV_HYPERCALL_CONTEXT>(3365, 176),
        Size<WHV_X64_APIC_INIT_SIPI_CONTEXT>(3390, 8),
        Size<WHV_X64_APIC_WRITE_CONTEXT>(3414, 16),
        Size<WHV_RUN_VP_EXIT_CONTEXT>(3461, 224),
        Size<WHV_INTERRUPT_CONTROL>(3504, 16),
        Size<WHV_DOORBELL_MATCH_DATA>(3558, 24),
        Size<WHV_PARTITION_MEMORY_COUNTERS>(3573, 24),
        Size<WHV_PROCESSOR_RUNTIME_COUNTERS>(3593, 16),
        Size<WHV_PROCESSOR_INTERCEPT_COUNTER>(3601, 16),
        Size<WHV_PROCESSOR_ACTIVITY_COUNTERS>(3635, 224),
        Size<WHV_PROCESSOR_GUEST_EVENT_COUNTERS>(3644, 24),
        Size<WHV_PROCESSOR_APIC_COUNTERS>(3657, 40),
        Size<WHV_PROCESSOR_SYNTHETIC_FEATURES_COUNTERS>(3671, 48),
        Size<WHV_SYNIC_EVENT_PARAMETERS>(4076, 8),
        Size<WHV_TRIGGER_PARAMETERS>(4264, 32),
        Size<WHV_VIRTUAL_PROCESSOR_PROPERTY>(4284, 16),
        Size<WHV_NOTIFICATION_PORT_PARAMETERS>(4314, 32),
    };

    /// <summary>Sizes the header implies but does not assert.</summary>
    public static TheoryData<string, int, int> DerivedSizes => new()
    {
        // C enums are int-sized on MSVC; WHV_REGISTER_NAME arrays are passed as UINT32-strided arrays.
        Derived<WHV_REGISTER_NAME>("enum, as int", 4),
        Derived<WHV_RUN_VP_EXIT_REASON>("enum, as int", 4),
        Derived<WHV_CAPABILITY_CODE>("enum, as int", 4),
        Derived<WHV_PARTITION_PROPERTY_CODE>("enum, as int", 4),
        Derived<WHV_MAP_GPA_RANGE_FLAGS>("enum, as int", 4),
        Derived<WHV_TRANSLATE_GVA_FLAGS>("enum, as int", 4),

        // Unions sized by their largest member (lines 2607-2633 and 2785-2822).
        Derived<WHV_CAPABILITY>("largest member WHV_PROCESSOR_FEATURES_BANKS", 24),
        Derived<WHV_PARTITION_PROPERTY>("largest member WHV_X64_CPUID_RESULT2", 48),
        Derived<WHV_INPUT_VTL>("UINT8 union, lines 2111-2120", 1),
    };

    /// <summary>Field offsets, from the declarations (line ranges in each group's comment).</summary>
    public static TheoryData<string, int, int> FieldOffsets => new()
    {
        // WHV_UINT128, lines 845-854.
        Offset("WHV_UINT128.Low64", static (ref WHV_UINT128 v) => ref v.Low64, 0),
        Offset("WHV_UINT128.High64", static (ref WHV_UINT128 v) => ref v.High64, 8),
        Offset("WHV_UINT128.Dword", static (ref WHV_UINT128 v) => ref v.Dword, 0),

        // WHV_X64_SEGMENT_REGISTER, lines 930-953.
        Offset("WHV_X64_SEGMENT_REGISTER.Base", static (ref WHV_X64_SEGMENT_REGISTER v) => ref v.Base, 0),
        Offset("WHV_X64_SEGMENT_REGISTER.Limit", static (ref WHV_X64_SEGMENT_REGISTER v) => ref v.Limit, 8),
        Offset("WHV_X64_SEGMENT_REGISTER.Selector", static (ref WHV_X64_SEGMENT_REGISTER v) => ref v.Selector, 12),
        Offset("WHV_X64_SEGMENT_REGISTER.Attributes", static (ref WHV_X64_SEGMENT_REGISTER v) => ref v.Attributes, 14),

        // WHV_X64_TABLE_REGISTER, lines 957-962.
        Offset("WHV_X64_TABLE_REGISTER.Pad", static (ref WHV_X64_TABLE_REGISTER v) => ref v.Pad, 0),
        Offset("WHV_X64_TABLE_REGISTER.Limit", static (ref WHV_X64_TABLE_REGISTER v) => ref v.Limit, 6),
        Offset("WHV_X64_TABLE_REGISTER.Base", static (ref WHV_X64_TABLE_REGISTER v) => ref v.Base, 8),

        // WHV_X64_FP_CONTROL_STATUS_REGISTER, lines 875-900.
        Offset("WHV_X64_FP_CONTROL_STATUS_REGISTER.FpStatus", static (ref WHV_X64_FP_CONTROL_STATUS_REGISTER v) => ref v.FpStatus, 2),
        Offset("WHV_X64_FP_CONTROL_STATUS_REGISTER.FpTag", static (ref WHV_X64_FP_CONTROL_STATUS_REGISTER v) => ref v.FpTag, 4),
        Offset("WHV_X64_FP_CONTROL_STATUS_REGISTER.LastFpOp", static (ref WHV_X64_FP_CONTROL_STATUS_REGISTER v) => ref v.LastFpOp, 6),
        Offset("WHV_X64_FP_CONTROL_STATUS_REGISTER.LastFpRip", static (ref WHV_X64_FP_CONTROL_STATUS_REGISTER v) => ref v.LastFpRip, 8),
        Offset("WHV_X64_FP_CONTROL_STATUS_REGISTER.LastFpCs", static (ref WHV_X64_FP_CONTROL_STATUS_REGISTER v) => ref v.LastFpCs, 12),

        // WHV_X64_XMM_CONTROL_STATUS_REGISTER, lines 904-926.
        Offset("WHV_X64_XMM_CONTROL_STATUS_REGISTER.LastFpDs", static (ref WHV_X64_XMM_CONTROL_STATUS_REGISTER v) => ref v.LastFpDs, 4),
        Offset("WHV_X64_XMM_CONTROL_STATUS_REGISTER.XmmStatusControl", static (ref WHV_X64_XMM_CONTROL_STATUS_REGISTER v) => ref v.XmmStatusControl, 8),
        Offset("WHV_X64_XMM_CONTROL_STATUS_REGISTER.XmmStatusControlMask", static (ref WHV_X64_XMM_CONTROL_STATUS_REGISTER v) => ref v.XmmStatusControlMask, 12),

        // Pending events, lines 1007-1041: a 32- or 64-bit header word, then the payload.
        Offset("WHV_X64_PENDING_EXCEPTION_EVENT.ErrorCode", static (ref WHV_X64_PENDING_EXCEPTION_EVENT v) => ref v.ErrorCode, 4),
        Offset("WHV_X64_PENDING_EXCEPTION_EVENT.ExceptionParameter", static (ref WHV_X64_PENDING_EXCEPTION_EVENT v) => ref v.ExceptionParameter, 8),
        Offset("WHV_X64_PENDING_EXT_INT_EVENT.Reserved2", static (ref WHV_X64_PENDING_EXT_INT_EVENT v) => ref v.Reserved2, 8),
        Offset("WHV_X64_PENDING_SVM_NESTED_EXIT_EVENT2.InstructionBytes", static (ref WHV_X64_PENDING_SVM_NESTED_EXIT_EVENT2 v) => ref v.InstructionBytes, 9),
        Offset("WHV_X64_NESTED_INVVPID_REGISTER.Vpid", static (ref WHV_X64_NESTED_INVVPID_REGISTER v) => ref v.Vpid, 4),

        // Feature banks, lines 1887-1901 and 2082-2095.
        Offset("WHV_PROCESSOR_FEATURES_BANKS.Bank0", static (ref WHV_PROCESSOR_FEATURES_BANKS v) => ref v.Bank0, 8),
        Offset("WHV_PROCESSOR_FEATURES_BANKS.Bank1", static (ref WHV_PROCESSOR_FEATURES_BANKS v) => ref v.Bank1, 16),
        Offset("WHV_SYNTHETIC_PROCESSOR_FEATURES_BANKS.Reserved0", static (ref WHV_SYNTHETIC_PROCESSOR_FEATURES_BANKS v) => ref v.Reserved0, 4),
        Offset("WHV_SYNTHETIC_PROCESSOR_FEATURES_BANKS.Bank0", static (ref WHV_SYNTHETIC_PROCESSOR_FEATURES_BANKS v) => ref v.Bank0, 8),

        // Memory, lines 2475-2571.
        Offset("WHV_TRANSLATE_GVA_RESULT.Reserved", static (ref WHV_TRANSLATE_GVA_RESULT v) => ref v.Reserved, 4),
        Offset("WHV_MEMORY_RANGE_ENTRY.SizeInBytes", static (ref WHV_MEMORY_RANGE_ENTRY v) => ref v.SizeInBytes, 8),
        Offset("WHV_ADVISE_GPA_RANGE_POPULATE.AccessType", static (ref WHV_ADVISE_GPA_RANGE_POPULATE v) => ref v.AccessType, 4),
        Offset("WHV_ACCESS_GPA_CONTROLS.InputVtl", static (ref WHV_ACCESS_GPA_CONTROLS v) => ref v.InputVtl, 4),
        Offset("WHV_ACCESS_GPA_CONTROLS.Reserved1", static (ref WHV_ACCESS_GPA_CONTROLS v) => ref v.Reserved1, 6),
        Offset("WHV_CAPABILITY_PROCESSOR_FREQUENCY_CAP.HighestFrequencyMhz", static (ref WHV_CAPABILITY_PROCESSOR_FREQUENCY_CAP v) => ref v.HighestFrequencyMhz, 4),
        Offset("WHV_CAPABILITY_PROCESSOR_FREQUENCY_CAP.FrequencyStepMhz", static (ref WHV_CAPABILITY_PROCESSOR_FREQUENCY_CAP v) => ref v.FrequencyStepMhz, 16),

        // CPUID and MSR lists, lines 2640-2694.
        Offset("WHV_X64_CPUID_RESULT.Reserved", static (ref WHV_X64_CPUID_RESULT v) => ref v.Reserved, 4),
        Offset("WHV_X64_CPUID_RESULT.Eax", static (ref WHV_X64_CPUID_RESULT v) => ref v.Eax, 16),
        Offset("WHV_X64_CPUID_RESULT.Ebx", static (ref WHV_X64_CPUID_RESULT v) => ref v.Ebx, 20),
        Offset("WHV_X64_CPUID_RESULT.Ecx", static (ref WHV_X64_CPUID_RESULT v) => ref v.Ecx, 24),
        Offset("WHV_X64_CPUID_RESULT.Edx", static (ref WHV_X64_CPUID_RESULT v) => ref v.Edx, 28),
        Offset("WHV_X64_CPUID_RESULT2.Index", static (ref WHV_X64_CPUID_RESULT2 v) => ref v.Index, 4),
        Offset("WHV_X64_CPUID_RESULT2.VpIndex", static (ref WHV_X64_CPUID_RESULT2 v) => ref v.VpIndex, 8),
        Offset("WHV_X64_CPUID_RESULT2.Flags", static (ref WHV_X64_CPUID_RESULT2 v) => ref v.Flags, 12),
        Offset("WHV_X64_CPUID_RESULT2.Output", static (ref WHV_X64_CPUID_RESULT2 v) => ref v.Output, 16),
        Offset("WHV_X64_CPUID_RESULT2.Mask", static (ref WHV_X64_CPUID_RESULT2 v) => ref v.Mask, 32),
        Offset("WHV_MSR_ACTION_ENTRY.ReadAction", static (ref WHV_MSR_ACTION_ENTRY v) => ref v.ReadAction, 4),
        Offset("WHV_MSR_ACTION_ENTRY.WriteAction", static (ref WHV_MSR_ACTION_ENTRY v) => ref v.WriteAction, 5),

        // WHV_X64_VP_EXIT_CONTEXT, lines 2915-2925.
        Offset("WHV_VP_EXIT_CONTEXT.ExecutionState", static (ref WHV_VP_EXIT_CONTEXT v) => ref v.ExecutionState, 0),
        Offset("WHV_VP_EXIT_CONTEXT.InstructionLength:Cr8", static (ref WHV_VP_EXIT_CONTEXT v) => ref v.InstructionLengthCr8, 2),
        Offset("WHV_VP_EXIT_CONTEXT.Reserved2", static (ref WHV_VP_EXIT_CONTEXT v) => ref v.Reserved2, 4),
        Offset("WHV_VP_EXIT_CONTEXT.Cs", static (ref WHV_VP_EXIT_CONTEXT v) => ref v.Cs, 8),
        Offset("WHV_VP_EXIT_CONTEXT.Rip", static (ref WHV_VP_EXIT_CONTEXT v) => ref v.Rip, 24),
        Offset("WHV_VP_EXIT_CONTEXT.Rflags", static (ref WHV_VP_EXIT_CONTEXT v) => ref v.Rflags, 32),

        // WHV_MEMORY_ACCESS_CONTEXT, lines 2956-2968.
        Offset("WHV_MEMORY_ACCESS_CONTEXT.InstructionBytes", static (ref WHV_MEMORY_ACCESS_CONTEXT v) => ref v.InstructionBytes, 4),
        Offset("WHV_MEMORY_ACCESS_CONTEXT.AccessInfo", static (ref WHV_MEMORY_ACCESS_CONTEXT v) => ref v.AccessInfo, 20),
        Offset("WHV_MEMORY_ACCESS_CONTEXT.Gpa", static (ref WHV_MEMORY_ACCESS_CONTEXT v) => ref v.Gpa, 24),
        Offset("WHV_MEMORY_ACCESS_CONTEXT.Gva", static (ref WHV_MEMORY_ACCESS_CONTEXT v) => ref v.Gva, 32),

        // WHV_X64_IO_PORT_ACCESS_CONTEXT, lines 2992-3009.
        Offset("WHV_X64_IO_PORT_ACCESS_CONTEXT.InstructionBytes", static (ref WHV_X64_IO_PORT_ACCESS_CONTEXT v) => ref v.InstructionBytes, 4),
        Offset("WHV_X64_IO_PORT_ACCESS_CONTEXT.AccessInfo", static (ref WHV_X64_IO_PORT_ACCESS_CONTEXT v) => ref v.AccessInfo, 20),
        Offset("WHV_X64_IO_PORT_ACCESS_CONTEXT.PortNumber", static (ref WHV_X64_IO_PORT_ACCESS_CONTEXT v) => ref v.PortNumber, 24),
        Offset("WHV_X64_IO_PORT_ACCESS_CONTEXT.Reserved2", static (ref WHV_X64_IO_PORT_ACCESS_CONTEXT v) => ref v.Reserved2, 26),
        Offset("WHV_X64_IO_PORT_ACCESS_CONTEXT.Rax", static (ref WHV_X64_IO_PORT_ACCESS_CONTEXT v) => ref v.Rax, 32),
        Offset("WHV_X64_IO_PORT_ACCESS_CONTEXT.Rcx", static (ref WHV_X64_IO_PORT_ACCESS_CONTEXT v) => ref v.Rcx, 40),
        Offset("WHV_X64_IO_PORT_ACCESS_CONTEXT.Rsi", static (ref WHV_X64_IO_PORT_ACCESS_CONTEXT v) => ref v.Rsi, 48),
        Offset("WHV_X64_IO_PORT_ACCESS_CONTEXT.Rdi", static (ref WHV_X64_IO_PORT_ACCESS_CONTEXT v) => ref v.Rdi, 56),
        Offset("WHV_X64_IO_PORT_ACCESS_CONTEXT.Ds", static (ref WHV_X64_IO_PORT_ACCESS_CONTEXT v) => ref v.Ds, 64),
        Offset("WHV_X64_IO_PORT_ACCESS_CONTEXT.Es", static (ref WHV_X64_IO_PORT_ACCESS_CONTEXT v) => ref v.Es, 80),

        // WHV_X64_MSR_ACCESS_CONTEXT, lines 3029-3036.
        Offset("WHV_X64_MSR_ACCESS_CONTEXT.MsrNumber", static (ref WHV_X64_MSR_ACCESS_CONTEXT v) => ref v.MsrNumber, 4),
        Offset("WHV_X64_MSR_ACCESS_CONTEXT.Rax", static (ref WHV_X64_MSR_ACCESS_CONTEXT v) => ref v.Rax, 8),
        Offset("WHV_X64_MSR_ACCESS_CONTEXT.Rdx", static (ref WHV_X64_MSR_ACCESS_CONTEXT v) => ref v.Rdx, 16),

        // WHV_X64_CPUID_ACCESS_CONTEXT, lines 3043-3054: note RAX, RCX, RDX, RBX order.
        Offset("WHV_X64_CPUID_ACCESS_CONTEXT.Rcx", static (ref WHV_X64_CPUID_ACCESS_CONTEXT v) => ref v.Rcx, 8),
        Offset("WHV_X64_CPUID_ACCESS_CONTEXT.Rdx", static (ref WHV_X64_CPUID_ACCESS_CONTEXT v) => ref v.Rdx, 16),
        Offset("WHV_X64_CPUID_ACCESS_CONTEXT.Rbx", static (ref WHV_X64_CPUID_ACCESS_CONTEXT v) => ref v.Rbx, 24),
        Offset("WHV_X64_CPUID_ACCESS_CONTEXT.DefaultResultRax", static (ref WHV_X64_CPUID_ACCESS_CONTEXT v) => ref v.DefaultResultRax, 32),
        Offset("WHV_X64_CPUID_ACCESS_CONTEXT.DefaultResultRbx", static (ref WHV_X64_CPUID_ACCESS_CONTEXT v) => ref v.DefaultResultRbx, 56),

        // WHV_VP_EXCEPTION_CONTEXT, lines 3076-3088.
        Offset("WHV_VP_EXCEPTION_CONTEXT.ExceptionInfo", static (ref WHV_VP_EXCEPTION_CONTEXT v) => ref v.ExceptionInfo, 20),
        Offset("WHV_VP_EXCEPTION_CONTEXT.ExceptionType", static (ref WHV_VP_EXCEPTION_CONTEXT v) => ref v.ExceptionType, 24),
        Offset("WHV_VP_EXCEPTION_CONTEXT.ErrorCode", static (ref WHV_VP_EXCEPTION_CONTEXT v) => ref v.ErrorCode, 28),
        Offset("WHV_VP_EXCEPTION_CONTEXT.ExceptionParameter", static (ref WHV_VP_EXCEPTION_CONTEXT v) => ref v.ExceptionParameter, 32),

        // Smaller exit contexts, lines 3102-3412.
        Offset("WHV_X64_UNSUPPORTED_FEATURE_CONTEXT.FeatureParameter", static (ref WHV_X64_UNSUPPORTED_FEATURE_CONTEXT v) => ref v.FeatureParameter, 8),
        Offset("WHV_X64_RDTSC_CONTEXT.Tsc", static (ref WHV_X64_RDTSC_CONTEXT v) => ref v.Tsc, 16),
        Offset("WHV_X64_RDTSC_CONTEXT.RdtscInfo", static (ref WHV_X64_RDTSC_CONTEXT v) => ref v.RdtscInfo, 32),
        Offset("WHV_X64_APIC_WRITE_CONTEXT.WriteValue", static (ref WHV_X64_APIC_WRITE_CONTEXT v) => ref v.WriteValue, 8),

        // WHV_X64_HYPERCALL_CONTEXT, lines 3351-3363.
        Offset("WHV_HYPERCALL_CONTEXT.Rcx", static (ref WHV_HYPERCALL_CONTEXT v) => ref v.Rcx, 16),
        Offset("WHV_HYPERCALL_CONTEXT.Rdx", static (ref WHV_HYPERCALL_CONTEXT v) => ref v.Rdx, 24),
        Offset("WHV_HYPERCALL_CONTEXT.R8", static (ref WHV_HYPERCALL_CONTEXT v) => ref v.R8, 32),
        Offset("WHV_HYPERCALL_CONTEXT.Rdi", static (ref WHV_HYPERCALL_CONTEXT v) => ref v.Rdi, 48),
        Offset("WHV_HYPERCALL_CONTEXT.XmmRegisters", static (ref WHV_HYPERCALL_CONTEXT v) => ref v.XmmRegisters, 64),
        Offset("WHV_HYPERCALL_CONTEXT.Reserved1", static (ref WHV_HYPERCALL_CONTEXT v) => ref v.Reserved1, 160),

        // WHV_RUN_VP_EXIT_CONTEXT, lines 3419-3457: header, VP context at 8, per-exit union at 48.
        Offset("WHV_RUN_VP_EXIT_CONTEXT.Reserved", static (ref WHV_RUN_VP_EXIT_CONTEXT v) => ref v.Reserved, 4),
        Offset("WHV_RUN_VP_EXIT_CONTEXT.VpContext", static (ref WHV_RUN_VP_EXIT_CONTEXT v) => ref v.VpContext, 8),
        Offset("WHV_RUN_VP_EXIT_CONTEXT.VpContext.Cs", static (ref WHV_RUN_VP_EXIT_CONTEXT v) => ref v.VpContext.Cs, 16),
        Offset("WHV_RUN_VP_EXIT_CONTEXT.VpContext.Rip", static (ref WHV_RUN_VP_EXIT_CONTEXT v) => ref v.VpContext.Rip, 32),
        Offset("WHV_RUN_VP_EXIT_CONTEXT.VpContext.Rflags", static (ref WHV_RUN_VP_EXIT_CONTEXT v) => ref v.VpContext.Rflags, 40),
        Offset("WHV_RUN_VP_EXIT_CONTEXT.MemoryAccess", static (ref WHV_RUN_VP_EXIT_CONTEXT v) => ref v.MemoryAccess, 48),
        Offset("WHV_RUN_VP_EXIT_CONTEXT.CancelReason", static (ref WHV_RUN_VP_EXIT_CONTEXT v) => ref v.CancelReason, 48),
        Offset("WHV_RUN_VP_EXIT_CONTEXT.Hypercall", static (ref WHV_RUN_VP_EXIT_CONTEXT v) => ref v.Hypercall, 48),
        Offset("WHV_RUN_VP_EXIT_CONTEXT.SynicSintDeliverable", static (ref WHV_RUN_VP_EXIT_CONTEXT v) => ref v.SynicSintDeliverable, 48),
        Offset("WHV_RUN_VP_EXIT_CONTEXT.IoPortAccess", static (ref WHV_RUN_VP_EXIT_CONTEXT v) => ref v.IoPortAccess, 48),
        Offset("WHV_RUN_VP_EXIT_CONTEXT.MsrAccess", static (ref WHV_RUN_VP_EXIT_CONTEXT v) => ref v.MsrAccess, 48),
        Offset("WHV_RUN_VP_EXIT_CONTEXT.CpuidAccess", static (ref WHV_RUN_VP_EXIT_CONTEXT v) => ref v.CpuidAccess, 48),
        Offset("WHV_RUN_VP_EXIT_CONTEXT.VpException", static (ref WHV_RUN_VP_EXIT_CONTEXT v) => ref v.VpException, 48),
        Offset("WHV_RUN_VP_EXIT_CONTEXT.InterruptWindow", static (ref WHV_RUN_VP_EXIT_CONTEXT v) => ref v.InterruptWindow, 48),
        Offset("WHV_RUN_VP_EXIT_CONTEXT.UnsupportedFeature", static (ref WHV_RUN_VP_EXIT_CONTEXT v) => ref v.UnsupportedFeature, 48),
        Offset("WHV_RUN_VP_EXIT_CONTEXT.ApicEoi", static (ref WHV_RUN_VP_EXIT_CONTEXT v) => ref v.ApicEoi, 48),
        Offset("WHV_RUN_VP_EXIT_CONTEXT.ReadTsc", static (ref WHV_RUN_VP_EXIT_CONTEXT v) => ref v.ReadTsc, 48),
        Offset("WHV_RUN_VP_EXIT_CONTEXT.ApicSmi", static (ref WHV_RUN_VP_EXIT_CONTEXT v) => ref v.ApicSmi, 48),
        Offset("WHV_RUN_VP_EXIT_CONTEXT.ApicInitSipi", static (ref WHV_RUN_VP_EXIT_CONTEXT v) => ref v.ApicInitSipi, 48),
        Offset("WHV_RUN_VP_EXIT_CONTEXT.ApicWrite", static (ref WHV_RUN_VP_EXIT_CONTEXT v) => ref v.ApicWrite, 48),
        Offset("WHV_RUN_VP_EXIT_CONTEXT.AsUINT64", static (ref WHV_RUN_VP_EXIT_CONTEXT v) => ref v.AsUINT64, 48),
        Offset("WHV_RUN_VP_EXIT_CONTEXT.MemoryAccess.Gpa", static (ref WHV_RUN_VP_EXIT_CONTEXT v) => ref v.MemoryAccess.Gpa, 72),
        Offset("WHV_RUN_VP_EXIT_CONTEXT.IoPortAccess.PortNumber", static (ref WHV_RUN_VP_EXIT_CONTEXT v) => ref v.IoPortAccess.PortNumber, 72),
        Offset("WHV_RUN_VP_EXIT_CONTEXT.Hypercall.XmmRegisters", static (ref WHV_RUN_VP_EXIT_CONTEXT v) => ref v.Hypercall.XmmRegisters, 112),

        // WHV_INTERRUPT_CONTROL, lines 3493-3502: one UINT64 of bitfields, then two UINT32.
        Offset("WHV_INTERRUPT_CONTROL.Destination", static (ref WHV_INTERRUPT_CONTROL v) => ref v.Destination, 8),
        Offset("WHV_INTERRUPT_CONTROL.Vector", static (ref WHV_INTERRUPT_CONTROL v) => ref v.Vector, 12),

        // Doorbells, counters, SynIC events, triggers, notification ports (lines 3548-4312).
        Offset("WHV_DOORBELL_MATCH_DATA.Length", static (ref WHV_DOORBELL_MATCH_DATA v) => ref v.Length, 16),
        Offset("WHV_DOORBELL_MATCH_DATA.MatchOnValue:MatchOnLength", static (ref WHV_DOORBELL_MATCH_DATA v) => ref v.Flags, 20),
        Offset("WHV_PROCESSOR_ACTIVITY_COUNTERS.Hypercalls", static (ref WHV_PROCESSOR_ACTIVITY_COUNTERS v) => ref v.Hypercalls, 192),
        Offset("WHV_PROCESSOR_ACTIVITY_COUNTERS.RdpmcInstructions", static (ref WHV_PROCESSOR_ACTIVITY_COUNTERS v) => ref v.RdpmcInstructions, 208),
        Offset("WHV_SYNIC_EVENT_PARAMETERS.TargetSint", static (ref WHV_SYNIC_EVENT_PARAMETERS v) => ref v.TargetSint, 4),
        Offset("WHV_SYNIC_EVENT_PARAMETERS.TargetVtl", static (ref WHV_SYNIC_EVENT_PARAMETERS v) => ref v.TargetVtl, 5),
        Offset("WHV_SYNIC_EVENT_PARAMETERS.FlagNumber", static (ref WHV_SYNIC_EVENT_PARAMETERS v) => ref v.FlagNumber, 6),
        Offset("WHV_TRIGGER_PARAMETERS.Interrupt", static (ref WHV_TRIGGER_PARAMETERS v) => ref v.Interrupt, 8),
        Offset("WHV_TRIGGER_PARAMETERS.DeviceInterrupt.MsiData", static (ref WHV_TRIGGER_PARAMETERS v) => ref v.DeviceInterrupt.MsiData, 24),
        Offset("WHV_VIRTUAL_PROCESSOR_PROPERTY.NumaNode", static (ref WHV_VIRTUAL_PROCESSOR_PROPERTY v) => ref v.NumaNode, 8),
        Offset("WHV_NOTIFICATION_PORT_PARAMETERS.ConnectionVtl", static (ref WHV_NOTIFICATION_PORT_PARAMETERS v) => ref v.ConnectionVtl, 7),
        Offset("WHV_NOTIFICATION_PORT_PARAMETERS.Doorbell", static (ref WHV_NOTIFICATION_PORT_PARAMETERS v) => ref v.Doorbell, 8),
    };

    [Theory]
    [MemberData(nameof(HeaderSizeAssertions))]
    public void Size_matches_header_C_ASSERT(string assertion, int actual, int expected)
    {
        Assert.True(expected == actual, $"{assertion}: managed size is {actual}");
    }

    [Theory]
    [MemberData(nameof(DerivedSizes))]
    public void Size_matches_size_implied_by_header(string what, int actual, int expected)
    {
        Assert.True(expected == actual, $"{what}: managed size is {actual}");
    }

    [Theory]
    [MemberData(nameof(FieldOffsets))]
    public void Field_offset_matches_header(string field, int actual, int expected)
    {
        Assert.True(expected == actual, $"{field}: managed offset is {actual}");
    }

    [Fact]
    public void Every_C_ASSERT_row_names_a_distinct_header_line()
    {
        // Guards the table itself: a copy-pasted row would otherwise hide a missing assertion.
        var lines = HeaderSizeAssertions.Select(row => (string)((ITheoryDataRow)row).GetData()[0]!).ToList();
        Assert.Equal(83, lines.Count);
        Assert.Equal(lines.Count, lines.Distinct().Count());
    }

    [Fact]
    public void Members_the_header_aligns_to_16_bytes_sit_at_multiples_of_16()
    {
        // WHV_UINT128 is DECLSPEC_ALIGN(16) (line 845). The CLR cannot honour that, so the offsets must come
        // out 16-aligned by themselves for the managed layout to equal the native one.
        int xmm = OffsetOf(static (ref WHV_RUN_VP_EXIT_CONTEXT v) => ref v.Hypercall.XmmRegisters);
        int union = OffsetOf(static (ref WHV_RUN_VP_EXIT_CONTEXT v) => ref v.Hypercall);
        Assert.Equal(0, xmm % 16);
        Assert.Equal(0, union % 16);
        Assert.Equal(16, Unsafe.SizeOf<InlineArray6<WHV_UINT128>>() / 6);
    }

    private static TheoryDataRow<string, int, int> Size<T>(int headerLine, int expected)
        where T : struct =>
        new($"WinHvPlatformDefs.h:{headerLine} sizeof({typeof(T).Name}) == {expected}", Unsafe.SizeOf<T>(), expected);

    private static TheoryDataRow<string, int, int> Derived<T>(string reason, int expected)
        where T : struct =>
        new($"sizeof({typeof(T).Name}) == {expected} ({reason})", Unsafe.SizeOf<T>(), expected);

    private static TheoryDataRow<string, int, int> Offset<TStruct, TField>(
        string field, FieldAccessor<TStruct, TField> accessor, int expected)
        where TStruct : struct =>
        new($"offsetof({field}) == {expected}", OffsetOf(accessor), expected);

    private static int OffsetOf<TStruct, TField>(FieldAccessor<TStruct, TField> accessor)
        where TStruct : struct
    {
        TStruct value = default;
        ref byte start = ref Unsafe.As<TStruct, byte>(ref value);
        ref byte field = ref Unsafe.As<TField, byte>(ref accessor(ref value));
        return (int)Unsafe.ByteOffset(ref start, ref field);
    }
}

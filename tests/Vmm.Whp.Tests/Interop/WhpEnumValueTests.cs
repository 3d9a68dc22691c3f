using System.Runtime.CompilerServices;
using Xunit;
using static Vmm.Whp.Interop.WinHvPlatform;

namespace Vmm.Whp.Tests.Interop;

/// <summary>Spot checks of enum values against WinHvPlatformDefs.h, concentrated on the values the backend passes or switches on.</summary>
public sealed class WhpEnumValueTests
{
    public static TheoryData<string, ulong, ulong> Values => new()
    {
        // WHV_REGISTER_NAME, lines 37-327.
        Row(WHV_REGISTER_NAME.WHvX64RegisterRax, 0x0),
        Row(WHV_REGISTER_NAME.WHvX64RegisterRsp, 0x4),
        Row(WHV_REGISTER_NAME.WHvX64RegisterR15, 0xF),
        Row(WHV_REGISTER_NAME.WHvX64RegisterRip, 0x10),
        Row(WHV_REGISTER_NAME.WHvX64RegisterRflags, 0x11),
        Row(WHV_REGISTER_NAME.WHvX64RegisterEs, 0x12),
        Row(WHV_REGISTER_NAME.WHvX64RegisterTr, 0x19),
        Row(WHV_REGISTER_NAME.WHvX64RegisterIdtr, 0x1A),
        Row(WHV_REGISTER_NAME.WHvX64RegisterGdtr, 0x1B),
        Row(WHV_REGISTER_NAME.WHvX64RegisterCr0, 0x1C),
        Row(WHV_REGISTER_NAME.WHvX64RegisterCr8, 0x20),
        Row(WHV_REGISTER_NAME.WHvX64RegisterDr7, 0x26),
        Row(WHV_REGISTER_NAME.WHvX64RegisterXCr0, 0x27),
        Row(WHV_REGISTER_NAME.WHvX64RegisterVirtualCr8, 0x2B),
        Row(WHV_REGISTER_NAME.WHvX64RegisterXmm0, 0x1000),
        Row(WHV_REGISTER_NAME.WHvX64RegisterXmm5, 0x1005),
        Row(WHV_REGISTER_NAME.WHvX64RegisterXmmControlStatus, 0x1019),
        Row(WHV_REGISTER_NAME.WHvX64RegisterTsc, 0x2000),
        Row(WHV_REGISTER_NAME.WHvX64RegisterEfer, 0x2001),
        Row(WHV_REGISTER_NAME.WHvX64RegisterApicBase, 0x2003),
        Row(WHV_REGISTER_NAME.WHvX64RegisterSfmask, 0x200B),
        Row(WHV_REGISTER_NAME.WHvX64RegisterMsrMtrrPhysMaskF, 0x204F),
        Row(WHV_REGISTER_NAME.WHvX64RegisterTscAux, 0x207B),
        Row(WHV_REGISTER_NAME.WHvX64RegisterXfdErr, 0x209A),
        Row(WHV_REGISTER_NAME.WHvX64RegisterAmdVmCr, 0x20B4),
        Row(WHV_REGISTER_NAME.WHvX64RegisterApicSelfIpi, 0x303F),
        Row(WHV_REGISTER_NAME.WHvRegisterSint0, 0x4000),
        Row(WHV_REGISTER_NAME.WHvRegisterEom, 0x4014),
        Row(WHV_REGISTER_NAME.WHvX64RegisterHypercall, 0x5001),
        Row(WHV_REGISTER_NAME.WHvRegisterReferenceTscSequence, 0x501A),
        Row(WHV_REGISTER_NAME.WHvRegisterPendingInterruption, 0x80000000),
        Row(WHV_REGISTER_NAME.WHvRegisterPendingEvent, 0x80000002),
        Row(WHV_REGISTER_NAME.WHvX64RegisterDeliverabilityNotifications, 0x80000004),
        Row(WHV_REGISTER_NAME.WHvRegisterDeliverabilityNotifications, 0x80000004),
        Row(WHV_REGISTER_NAME.WHvRegisterInternalActivityState, 0x80000005),
        Row(WHV_REGISTER_NAME.WHvRegisterPendingEvent3, 0x80000008),

        // WHV_CAPABILITY_CODE, lines 1390-1444: starts at 0.
        Row(WHV_CAPABILITY_CODE.WHvCapabilityCodeHypervisorPresent, 0x0),
        Row(WHV_CAPABILITY_CODE.WHvCapabilityCodeExtendedVmExits, 0x2),
        Row(WHV_CAPABILITY_CODE.WHvCapabilityCodeX64MsrExitBitmap, 0x4),
        Row(WHV_CAPABILITY_CODE.WHvCapabilityCodeProcessorVendor, 0x1000),
        Row(WHV_CAPABILITY_CODE.WHvCapabilityCodeSyntheticProcessorFeaturesBanks, 0x1008),
        Row(WHV_CAPABILITY_CODE.WHvCapabilityCodePhysicalAddressWidth, 0x100A),
        Row(WHV_CAPABILITY_CODE.WHvCapabilityCodeVmxTrueEntryCtls, 0x2010),

        // WHV_PARTITION_PROPERTY_CODE, lines 2231-2278: starts at 1.
        Row(WHV_PARTITION_PROPERTY_CODE.WHvPartitionPropertyCodeExtendedVmExits, 0x1),
        Row(WHV_PARTITION_PROPERTY_CODE.WHvPartitionPropertyCodeExceptionExitBitmap, 0x2),
        Row(WHV_PARTITION_PROPERTY_CODE.WHvPartitionPropertyCodeX64MsrExitBitmap, 0x5),
        Row(WHV_PARTITION_PROPERTY_CODE.WHvPartitionPropertyCodeDisableSmt, 0xD),
        Row(WHV_PARTITION_PROPERTY_CODE.WHvPartitionPropertyCodeCpuidExitList, 0x1003),
        Row(WHV_PARTITION_PROPERTY_CODE.WHvPartitionPropertyCodeCpuidResultList, 0x1004),
        Row(WHV_PARTITION_PROPERTY_CODE.WHvPartitionPropertyCodeLocalApicEmulationMode, 0x1005),
        Row(WHV_PARTITION_PROPERTY_CODE.WHvPartitionPropertyCodeSyntheticProcessorFeaturesBanks, 0x100C),
        Row(WHV_PARTITION_PROPERTY_CODE.WHvPartitionPropertyCodeUnimplementedMsrAction, 0x1010),
        Row(WHV_PARTITION_PROPERTY_CODE.WHvPartitionPropertyCodeProcessorCount, 0x1FFF),

        // WHV_RUN_VP_EXIT_REASON, lines 2834-2861.
        Row(WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonMemoryAccess, 0x1),
        Row(WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonX64IoPortAccess, 0x2),
        Row(WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonUnrecoverableException, 0x4),
        Row(WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonX64InterruptWindow, 0x7),
        Row(WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonX64Halt, 0x8),
        Row(WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonSynicSintDeliverable, 0xA),
        Row(WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonX64MsrAccess, 0x1000),
        Row(WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonX64Cpuid, 0x1001),
        Row(WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonException, 0x1002),
        Row(WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonHypercall, 0x1005),
        Row(WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonX64ApicWriteTrap, 0x1007),
        Row(WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonCanceled, 0x2001),

        // Flags and small enums, lines 2385-2470, 2733-2738, 3279-3284, 3471-3491.
        Row(WHV_MAP_GPA_RANGE_FLAGS.WHvMapGpaRangeFlagExecute, 0x4),
        Row(WHV_MAP_GPA_RANGE_FLAGS.WHvMapGpaRangeFlagTrackDirtyPages, 0x8),
        Row(WHV_TRANSLATE_GVA_FLAGS.WHvTranslateGvaFlagPrivilegeExempt, 0x8),
        Row(WHV_TRANSLATE_GVA_FLAGS.WHvTranslateGvaFlagSetPageTableBits, 0x10),
        Row(WHV_TRANSLATE_GVA_FLAGS.WHvTranslateGvaFlagEnforceSmap, 0x100),
        Row(WHV_TRANSLATE_GVA_FLAGS.WHvTranslateGvaFlagOverrideSmap, 0x200),
        Row(WHV_TRANSLATE_GVA_RESULT_CODE.WHvTranslateGvaResultGpaUnmapped, 4),
        Row(WHV_TRANSLATE_GVA_RESULT_CODE.WHvTranslateGvaResultIntercept, 8),
        Row(WHV_X64_LOCAL_APIC_EMULATION_MODE.WHvX64LocalApicEmulationModeX2Apic, 2),
        Row(WHV_X64_PENDING_INTERRUPTION_TYPE.WHvX64PendingNmi, 2),
        Row(WHV_X64_PENDING_INTERRUPTION_TYPE.WHvX64PendingException, 3),
        Row(WHV_X64_PENDING_EVENT_TYPE.WHvX64PendingEventExtInt, 5),
        Row(WHV_INTERRUPT_TYPE.WHvX64InterruptTypeInit, 5),
        Row(WHV_INTERRUPT_TYPE.WHvX64InterruptTypeSipi, 6),
        Row(WHV_INTERRUPT_TYPE.WHvX64InterruptTypeLocalInt1, 9),
        Row(WHV_EXCEPTION_TYPE.WHvX64ExceptionTypeGeneralProtectionFault, 0xD),
        Row(WHV_X64_APIC_WRITE_TYPE.WHvX64ApicWriteTypeLint1, 0x360),
        Row(WHV_VIRTUAL_PROCESSOR_STATE_TYPE.WHvVirtualProcessorStateTypeXsaveState, 0x1001),
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void Enum_value_matches_header(string member, ulong actual, ulong expected)
    {
        Assert.True(expected == actual, $"{member} is 0x{actual:X}");
    }

    [Fact]
    public void Register_names_are_four_byte_values_with_bit_31_kept()
    {
        // The pending-event names have bit 31 set; the array passed to WHvGetVirtualProcessorRegisters
        // must carry it unchanged in a 32-bit slot.
        Span<WHV_REGISTER_NAME> names = [WHV_REGISTER_NAME.WHvRegisterPendingEvent];
        Assert.Equal(0x80000002u, System.Runtime.InteropServices.MemoryMarshal.Cast<WHV_REGISTER_NAME, uint>(names)[0]);
    }

    // The name comes from the source text: Enum.ToString cannot tell aliases such as the two
    // DeliverabilityNotifications names apart, and identical rows would collapse into one test.
    private static TheoryDataRow<string, ulong, ulong> Row<T>(
        T member, ulong expected, [CallerArgumentExpression(nameof(member))] string name = "")
        where T : struct, Enum =>
        new(name, Convert.ToUInt64(member, System.Globalization.CultureInfo.InvariantCulture), expected);
}

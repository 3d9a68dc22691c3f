using Xunit;
using static Vmm.Whp.Interop.WinHvPlatform;

namespace Vmm.Whp.Tests.Interop;

/// <summary>
/// Bit positions of the header's bitfields. MSVC packs bitfields from bit 0 of their declared type in
/// declaration order, so each expected mask is the sum of the widths declared before the field (the
/// comments name the header lines).
/// </summary>
public sealed class WhpBitfieldTests
{
    [Fact]
    public void Segment_attribute_fields_sit_where_the_header_declares_them()
    {
        // Lines 940-948: SegmentType:4, NonSystemSegment:1, DescriptorPrivilegeLevel:2, Present:1, Reserved:4,
        // Available:1, Long:1, Default:1, Granularity:1.
        Assert.Equal(0x000B, Attributes(static (ref s) => s.SegmentType = 0xB));
        Assert.Equal(0x0010, Attributes(static (ref s) => s.NonSystemSegment = true));
        Assert.Equal(0x0060, Attributes(static (ref s) => s.DescriptorPrivilegeLevel = 3));
        Assert.Equal(0x0080, Attributes(static (ref s) => s.Present = true));
        Assert.Equal(0x1000, Attributes(static (ref s) => s.Available = true));
        Assert.Equal(0x2000, Attributes(static (ref s) => s.Long = true));
        Assert.Equal(0x4000, Attributes(static (ref s) => s.Default = true));
        Assert.Equal(0x8000, Attributes(static (ref s) => s.Granularity = true));
    }

    [Fact]
    public void Segment_attribute_setters_keep_the_other_bits_and_truncate_to_the_field_width()
    {
        var segment = new WHV_X64_SEGMENT_REGISTER { Attributes = 0xFFFF };
        segment.Present = false;
        Assert.Equal(0xFF7F, segment.Attributes);

        segment = default;
        segment.SegmentType = 0x1F;
        Assert.Equal(0x000F, segment.Attributes);
    }

    [Fact]
    public void Extended_vm_exit_bits_match_the_header()
    {
        // Lines 1494-1519 (x64 branch).
        Assert.Equal(1UL << 0, Exits(static (ref e) => e.X64CpuidExit = true));
        Assert.Equal(1UL << 1, Exits(static (ref e) => e.X64MsrExit = true));
        Assert.Equal(1UL << 2, Exits(static (ref e) => e.ExceptionExit = true));
        Assert.Equal(1UL << 3, Exits(static (ref e) => e.X64RdtscExit = true));
        Assert.Equal(1UL << 5, Exits(static (ref e) => e.HypercallExit = true));
        Assert.Equal(1UL << 6, Exits(static (ref e) => e.X64ApicInitSipiExitTrap = true));
        Assert.Equal(1UL << 10, Exits(static (ref e) => e.UnknownSynicConnection = true));
        Assert.Equal(1UL << 13, Exits(static (ref e) => e.X64ApicWriteDfrExitTrap = true));
        Assert.Equal(1UL << 14, Exits(static (ref e) => e.GpaAccessFaultExit = true));
    }

    [Fact]
    public void Synthetic_processor_feature_bits_match_the_header()
    {
        // Lines 1915-2049: counted through the ReservedZ placeholders of the x64 branch.
        Assert.Equal(1UL << 0, Synthetic(static (ref f) => f.HypervisorPresent = true));
        Assert.Equal(1UL << 1, Synthetic(static (ref f) => f.Hv1 = true));
        Assert.Equal(1UL << 7, Synthetic(static (ref f) => f.AccessHypercallRegs = true));
        Assert.Equal(1UL << 8, Synthetic(static (ref f) => f.AccessVpIndex = true));
        Assert.Equal(1UL << 11, Synthetic(static (ref f) => f.AccessFrequencyRegs = true));
        Assert.Equal(1UL << 15, Synthetic(static (ref f) => f.EnableExtendedGvaRangesForFlushVirtualAddressList = true));
        Assert.Equal(1UL << 18, Synthetic(static (ref f) => f.FastHypercallOutput = true));
        Assert.Equal(1UL << 22, Synthetic(static (ref f) => f.DirectSyntheticTimers = true));
        Assert.Equal(1UL << 24, Synthetic(static (ref f) => f.ExtendedProcessorMasks = true));
        Assert.Equal(1UL << 25, Synthetic(static (ref f) => f.TbFlushHypercalls = true));
        Assert.Equal(1UL << 26, Synthetic(static (ref f) => f.SyntheticClusterIpi = true));
        Assert.Equal(1UL << 31, Synthetic(static (ref f) => f.RestoreTime = true));
        Assert.Equal(1UL << 35, Synthetic(static (ref f) => f.IdleSpecCtrl = true));
        Assert.Equal(1UL << 37, Synthetic(static (ref f) => f.WakeVps = true));
        Assert.Equal(1UL << 38, Synthetic(static (ref f) => f.AccessVpRegs = true));
    }

    [Fact]
    public void Pending_interruption_fields_match_the_header()
    {
        // Lines 984-991: Pending:1, Type:3, DeliverErrorCode:1, InstructionLength:4, NestedEvent:1,
        // Reserved:6, Vector:16, then UINT32 ErrorCode.
        var value = new WHV_X64_PENDING_INTERRUPTION_REGISTER
        {
            InterruptionPending = true,
            InterruptionType = WHV_X64_PENDING_INTERRUPTION_TYPE.WHvX64PendingException,
            DeliverErrorCode = true,
            InstructionLength = 0xF,
            NestedEvent = true,
            InterruptionVector = 0x0E,
            ErrorCode = 0xDEADBEEF,
        };

        Assert.Equal(0xDEADBEEF_000E_03F7UL, value.AsUINT64);
        Assert.Equal((ushort)0x0E, value.InterruptionVector);
        Assert.Equal(0xDEADBEEFu, value.ErrorCode);
    }

    [Fact]
    public void Pending_events_match_the_header()
    {
        // Lines 1011-1017: EventPending:1, EventType:3, Reserved0:4, DeliverErrorCode:1, Reserved1:7, Vector:16.
        var exception = new WHV_X64_PENDING_EXCEPTION_EVENT
        {
            EventPending = true,
            EventType = WHV_X64_PENDING_EVENT_TYPE.WHvX64PendingEventException,
            DeliverErrorCode = true,
            Vector = 13,
        };
        Assert.Equal(0x000D_0101u, exception.EventHeader);

        // Lines 1031-1034: EventPending:1, EventType:3, Reserved0:4, Vector:8.
        var extInt = new WHV_X64_PENDING_EXT_INT_EVENT
        {
            EventPending = true,
            EventType = WHV_X64_PENDING_EVENT_TYPE.WHvX64PendingEventExtInt,
            Vector = 0x30,
        };
        Assert.Equal(0x300BUL, extInt.EventHeader);
    }

    [Fact]
    public void Deliverability_notifications_match_the_header()
    {
        // Lines 1203-1210 (x64): NmiNotification:1, InterruptNotification:1, InterruptPriority:4, Reserved:42, Sint:16.
        var value = new WHV_DELIVERABILITY_NOTIFICATIONS_REGISTER
        {
            NmiNotification = true,
            InterruptNotification = true,
            InterruptPriority = 0xF,
            Sint = 0x8001,
        };
        Assert.Equal(0x8001_0000_0000_003FUL, value.AsUINT64);
    }

    [Fact]
    public void Interrupt_and_activity_state_bits_match_the_header()
    {
        // Lines 970-971 and 1222-1224.
        Assert.Equal(1UL, new WHV_X64_INTERRUPT_STATE_REGISTER { InterruptShadow = true }.AsUINT64);
        Assert.Equal(2UL, new WHV_X64_INTERRUPT_STATE_REGISTER { NmiMasked = true }.AsUINT64);
        Assert.Equal(1UL, new WHV_INTERNAL_ACTIVITY_REGISTER { StartupSuspend = true }.AsUINT64);
        Assert.Equal(2UL, new WHV_INTERNAL_ACTIVITY_REGISTER { HaltSuspend = true }.AsUINT64);
    }

    [Fact]
    public void Exit_context_bitfields_match_the_header()
    {
        // Lines 2896-2903: Cpl:2, Cr0Pe:1, Cr0Am:1, EferLma:1, DebugActive:1, InterruptionPending:1, Reserved0:5, InterruptShadow:1.
        Assert.Equal(0x0003, new WHV_X64_VP_EXECUTION_STATE { Cpl = 3 }.AsUINT16);
        Assert.Equal(0x0004, new WHV_X64_VP_EXECUTION_STATE { Cr0Pe = true }.AsUINT16);
        Assert.Equal(0x0010, new WHV_X64_VP_EXECUTION_STATE { EferLma = true }.AsUINT16);
        Assert.Equal(0x0040, new WHV_X64_VP_EXECUTION_STATE { InterruptionPending = true }.AsUINT16);
        Assert.Equal(0x1000, new WHV_X64_VP_EXECUTION_STATE { InterruptShadow = true }.AsUINT16);

        // Lines 2918-2919: InstructionLength:4 then Cr8:4 in one UINT8.
        var context = new WHV_VP_EXIT_CONTEXT { InstructionLength = 3, Cr8 = 0xA };
        Assert.Equal(0xA3, context.InstructionLengthCr8);

        // Lines 2945-2947: AccessType:2, GpaUnmapped:1, GvaValid:1.
        var memory = new WHV_MEMORY_ACCESS_INFO
        {
            AccessType = WHV_MEMORY_ACCESS_TYPE.WHvMemoryAccessExecute,
            GpaUnmapped = true,
            GvaValid = true,
        };
        Assert.Equal(0xEu, memory.AsUINT32);

        // Lines 2980-2983: IsWrite:1, AccessSize:3, StringOp:1, RepPrefix:1.
        var io = new WHV_X64_IO_PORT_ACCESS_INFO { IsWrite = true, AccessSize = 4, StringOp = true, RepPrefix = true };
        Assert.Equal(0x39u, io.AsUINT32);

        // Lines 3066-3067: ErrorCodeValid:1, SoftwareException:1.
        Assert.Equal(2u, new WHV_VP_EXCEPTION_INFO { SoftwareException = true }.AsUINT32);
    }

    [Fact]
    public void Interrupt_control_fields_match_the_header()
    {
        // Lines 3495-3499: Type:8, DestinationMode:4, TriggerMode:4, TargetVtl:8, Reserved:40.
        var control = new WHV_INTERRUPT_CONTROL
        {
            Type = WHV_INTERRUPT_TYPE.WHvX64InterruptTypeNmi,
            DestinationMode = WHV_INTERRUPT_DESTINATION_MODE.WHvX64InterruptDestinationModeLogical,
            TriggerMode = WHV_INTERRUPT_TRIGGER_MODE.WHvX64InterruptTriggerModeLevel,
            TargetVtl = 2,
        };
        Assert.Equal(0x0002_1104UL, control.Control);
    }

    [Fact]
    public void Msr_exit_bitmap_bits_match_the_header()
    {
        // Lines 2363-2368.
        Assert.Equal(1UL, new WHV_X64_MSR_EXIT_BITMAP { UnhandledMsrs = true }.AsUINT64);
        Assert.Equal(8UL, new WHV_X64_MSR_EXIT_BITMAP { ApicBaseMsrWrite = true }.AsUINT64);
        Assert.Equal(0x20UL, new WHV_X64_MSR_EXIT_BITMAP { McUpdatePatchLevelMsrRead = true }.AsUINT64);
    }

    private delegate void Mutator<T>(ref T value);

    private static int Attributes(Mutator<WHV_X64_SEGMENT_REGISTER> set)
    {
        WHV_X64_SEGMENT_REGISTER segment = default;
        set(ref segment);
        return segment.Attributes;
    }

    private static ulong Exits(Mutator<WHV_EXTENDED_VM_EXITS> set)
    {
        WHV_EXTENDED_VM_EXITS exits = default;
        set(ref exits);
        return exits.AsUINT64;
    }

    private static ulong Synthetic(Mutator<WHV_SYNTHETIC_PROCESSOR_FEATURES> set)
    {
        WHV_SYNTHETIC_PROCESSOR_FEATURES features = default;
        set(ref features);
        return features.AsUINT64;
    }
}

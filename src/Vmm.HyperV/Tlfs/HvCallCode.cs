namespace Vmm.HyperV.Tlfs;

/// <summary>
/// Hypercall call codes (bits 15:0 of the hypercall input value), named exactly as the TLFS names the calls.
/// </summary>
/// <remarks>
/// Values: TLFS <c>hypercalls/overview.md</c> "Hypercall Reference" (call code and simple/rep type), plus
/// <see cref="HvCallGetPartitionId"/>, which the TLFS does not list but Linux issues (docs/hyperv.md#call-codes, #linux-boot).
/// The set is "what we implement or must recognise"; any other code is unknown and answers
/// <see cref="HvStatus.InvalidHypercallCode"/> (docs/hyperv.md#input-rules). Shape details live in <see cref="HvCallCodeInfo"/>.
/// </remarks>
public enum HvCallCode : ushort
{
    /// <summary>0x0001, simple. Switches the address space (recommendation bit 0; never recommended here).</summary>
    HvCallSwitchVirtualAddressSpace = 0x0001,

    /// <summary>0x0002, simple. Flushes whole address spaces on a 64-bit processor mask (docs/hyperv.md#flush-inputs).</summary>
    HvCallFlushVirtualAddressSpace = 0x0002,

    /// <summary>0x0003, rep. Flushes a list of GVA ranges on a 64-bit processor mask (docs/hyperv.md#flush-inputs).</summary>
    HvCallFlushVirtualAddressList = 0x0003,

    /// <summary>0x0008, simple. Tells the hypervisor a spinlock has spun for the recommended retry count.</summary>
    HvCallNotifyLongSpinWait = 0x0008,

    /// <summary>0x000B, simple. Sends a fixed interrupt to VPs 0..63 (docs/hyperv.md#cluster-ipi).</summary>
    HvCallSendSyntheticClusterIpi = 0x000B,

    /// <summary>0x000C, rep. VSM (not offered here).</summary>
    HvCallModifyVtlProtectionMask = 0x000C,

    /// <summary>0x000D, simple. VSM (not offered here).</summary>
    HvCallEnablePartitionVtl = 0x000D,

    /// <summary>0x000F, simple. VSM (not offered here).</summary>
    HvCallEnableVpVtl = 0x000F,

    /// <summary>0x0011, simple. VSM (not offered here).</summary>
    HvCallVtlCall = 0x0011,

    /// <summary>0x0012, simple. VSM (not offered here).</summary>
    HvCallVtlReturn = 0x0012,

    /// <summary>0x0013, simple with a variable header (the HV_VP_SET banks). docs/hyperv.md#flush-inputs.</summary>
    HvCallFlushVirtualAddressSpaceEx = 0x0013,

    /// <summary>0x0014, rep with a variable header (the HV_VP_SET banks). docs/hyperv.md#flush-inputs.</summary>
    HvCallFlushVirtualAddressListEx = 0x0014,

    /// <summary>0x0015, simple with a variable header (the HV_VP_SET banks). docs/hyperv.md#cluster-ipi.</summary>
    HvCallSendSyntheticClusterIpiEx = 0x0015,

    /// <summary>0x0046, simple. Not in the TLFS list; Linux calls it when privilege AccessPartitionId is set (docs/hyperv.md#call-codes, #linux-boot).</summary>
    HvCallGetPartitionId = 0x0046,

    /// <summary>0x0050, rep.</summary>
    HvCallGetVpRegisters = 0x0050,

    /// <summary>0x0051, rep.</summary>
    HvCallSetVpRegisters = 0x0051,

    /// <summary>0x005C, simple. SynIC message post (VMBus).</summary>
    HvCallPostMessage = 0x005C,

    /// <summary>0x005D, simple. SynIC event signal (VMBus).</summary>
    HvCallSignalEvent = 0x005D,

    /// <summary>0x007E, simple.</summary>
    HvCallRetargetDeviceInterrupt = 0x007E,

    /// <summary>0x0099, simple.</summary>
    HvCallStartVirtualProcessor = 0x0099,

    /// <summary>0x009A, rep.</summary>
    HvCallGetVpIndexFromApicId = 0x009A,

    /// <summary>0x00AF, simple. Nested virtualization only.</summary>
    HvCallFlushGuestPhysicalAddressSpace = 0x00AF,

    /// <summary>0x00B0, rep. Nested virtualization only.</summary>
    HvCallFlushGuestPhysicalAddressList = 0x00B0,

    /// <summary>0x8001, simple, extended hypercall (needs privilege EnableExtendedHypercalls, docs/hyperv.md#privileges).</summary>
    HvExtCallQueryCapabilities = 0x8001,

    /// <summary>0x8002, simple, extended hypercall.</summary>
    HvExtCallGetBootZeroedMemory = 0x8002,

    /// <summary>0x8003, simple, extended hypercall.</summary>
    HvExtCallMemoryHeatHint = 0x8003,

    /// <summary>0x8004, simple, extended hypercall.</summary>
    HvExtCallEpfSetup = 0x8004,

    /// <summary>0x8006, simple, extended hypercall.</summary>
    HvExtCallMemoryHeatHintAsync = 0x8006,
}

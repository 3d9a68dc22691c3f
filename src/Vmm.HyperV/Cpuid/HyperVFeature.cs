namespace Vmm.HyperV.Cpuid;

/// <summary>
/// The Hyper-V enlightenments a <see cref="HyperVFeatureProfile"/> can switch on, one flag per profile feature name.
/// </summary>
/// <remarks>
/// Each flag maps to CPUID bits in <see cref="HyperVFeatureProfile"/>; the names in the profile grammar are given
/// per member. The set follows QEMU's hv-* switches in spirit (docs/hyperv.md#qemu-flags).
/// </remarks>
[Flags]
public enum HyperVFeature
{
    /// <summary>No enlightenment.</summary>
    None = 0,

    /// <summary><c>hypercall</c>: GUEST_OS_ID and HYPERCALL MSRs and the hypercall page (privilege AccessHypercallMsrs).</summary>
    Hypercall = 1 << 0,

    /// <summary><c>vpindex</c>: the VP_INDEX MSR (privilege AccessVpIndex).</summary>
    VpIndex = 1 << 1,

    /// <summary><c>time</c>: TIME_REF_COUNT and the reference TSC page (privileges AccessPartitionReferenceCounter and AccessPartitionReferenceTsc).</summary>
    Time = 1 << 2,

    /// <summary><c>frequencies</c>: TSC and APIC frequency MSRs (privilege AccessFrequencyRegs and feature bit 8).</summary>
    Frequencies = 1 << 3,

    /// <summary><c>tlbflush</c>: recommend the remote TLB flush hypercalls 0x0002/0x0003 (recommendation bit 2).</summary>
    TlbFlush = 1 << 4,

    /// <summary><c>tlbflush-ex</c>: recommend the HV_VP_SET ("Ex") interfaces 0x0013/0x0014, and 0x0015 with <see cref="Ipi"/> (recommendation bit 11).</summary>
    TlbFlushEx = 1 << 5,

    /// <summary><c>ipi</c>: recommend HvCallSendSyntheticClusterIpi 0x000B (recommendation bit 10).</summary>
    Ipi = 1 << 6,

    /// <summary><c>relaxed</c>: recommend relaxed timing (recommendation bit 5).</summary>
    Relaxed = 1 << 7,

    /// <summary><c>spinlocks</c>: report a spinlock retry count in 0x40000004.EBX (default 0xFFFFFFFF, never notify).</summary>
    Spinlocks = 1 << 8,

    /// <summary><c>vpassist</c>: the VP assist page and the APIC EOI/ICR/TPR MSRs (privilege AccessIntrCtrlRegs).</summary>
    VpAssist = 1 << 9,

    /// <summary><c>reset</c>: the RESET MSR (privilege AccessResetReg).</summary>
    Reset = 1 << 10,

    /// <summary><c>idle</c>: the GUEST_IDLE MSR (privilege AccessGuestIdleReg).</summary>
    Idle = 1 << 11,

    /// <summary>
    /// <c>xmm</c>: fast hypercall input in XMM0-XMM5 as well as RDX:R8 (feature bit 4). The flush calls' inputs are
    /// at least 24 bytes, so their fast forms exist only with it (TLFS "XMM Fast Hypercalls").
    /// </summary>
    XmmInput = 1 << 12,

    /// <summary><c>extended-ranges</c>: HV_FLUSH_USE_EXTENDED_RANGE_FORMAT for the flush List calls (feature bit 14).</summary>
    ExtendedGvaRanges = 1 << 13,
}

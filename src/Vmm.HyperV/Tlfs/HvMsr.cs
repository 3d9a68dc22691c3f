namespace Vmm.HyperV.Tlfs;

/// <summary>
/// Synthetic MSR numbers (HV_X64_MSR_*), named after the TLFS names without the <c>HV_X64_MSR_</c> prefix.
/// </summary>
/// <remarks>
/// Numbers: TLFS vp-properties.md, hypercall-interface.md, timers.md, virtual-interrupts.md,
/// inter-partition-communication.md; docs/hyperv.md#synthetic-msrs. Which CPUID privilege bit unlocks each group is in
/// <see cref="HvPartitionPrivileges"/>.
/// </remarks>
public static class HvMsr
{
    /// <summary>HV_X64_MSR_GUEST_OS_ID, partition-wide, read/write; must be non-zero before the hypercall page can be enabled.</summary>
    public const uint GuestOsId = 0x4000_0000;

    /// <summary>HV_X64_MSR_HYPERCALL, partition-wide: bit 0 enable, bit 1 locked, 11:2 RsvdP, 63:12 GPA page number.</summary>
    public const uint Hypercall = 0x4000_0001;

    /// <summary>HV_X64_MSR_VP_INDEX, per VP, read-only.</summary>
    public const uint VpIndex = 0x4000_0002;

    /// <summary>HV_X64_MSR_RESET, partition-wide: writing 1 resets the system.</summary>
    public const uint Reset = 0x4000_0003;

    /// <summary>HV_X64_MSR_VP_RUNTIME, per VP, read-only, 100 ns units of run time.</summary>
    public const uint VpRuntime = 0x4000_0010;

    /// <summary>HV_X64_MSR_TIME_REF_COUNT, partition-wide, read-only, 100 ns units since partition creation.</summary>
    public const uint TimeRefCount = 0x4000_0020;

    /// <summary>HV_X64_MSR_REFERENCE_TSC, partition-wide: bit 0 enable, 11:1 RsvdP, 63:12 GPA page number of the TSC page.</summary>
    public const uint ReferenceTsc = 0x4000_0021;

    /// <summary>HV_X64_MSR_TSC_FREQUENCY, read-only, Hz.</summary>
    public const uint TscFrequency = 0x4000_0022;

    /// <summary>HV_X64_MSR_APIC_FREQUENCY, read-only, Hz.</summary>
    public const uint ApicFrequency = 0x4000_0023;

    /// <summary>HV_X64_MSR_EOI, per VP, write-only.</summary>
    public const uint Eoi = 0x4000_0070;

    /// <summary>HV_X64_MSR_ICR, per VP, the 64-bit ICR.</summary>
    public const uint Icr = 0x4000_0071;

    /// <summary>HV_X64_MSR_TPR, per VP.</summary>
    public const uint Tpr = 0x4000_0072;

    /// <summary>HV_X64_MSR_VP_ASSIST_PAGE, per VP: bit 0 enable, 11:1 RsvdP, 63:12 GPA page number.</summary>
    public const uint VpAssistPage = 0x4000_0073;

    /// <summary>HV_X64_MSR_SCONTROL, per VP: bit 0 enable.</summary>
    public const uint Scontrol = 0x4000_0080;

    /// <summary>HV_X64_MSR_SVERSION, per VP, read-only.</summary>
    public const uint Sversion = 0x4000_0081;

    /// <summary>HV_X64_MSR_SIEFP, per VP.</summary>
    public const uint Siefp = 0x4000_0082;

    /// <summary>HV_X64_MSR_SIMP, per VP.</summary>
    public const uint Simp = 0x4000_0083;

    /// <summary>HV_X64_MSR_EOM, per VP.</summary>
    public const uint Eom = 0x4000_0084;

    /// <summary>HV_X64_MSR_SIRBP, per VP.</summary>
    public const uint Sirbp = 0x4000_0085;

    /// <summary>HV_X64_MSR_SINT0; SINTn is <see cref="Sint0"/> + n for n in 0..15.</summary>
    public const uint Sint0 = 0x4000_0090;

    /// <summary>HV_X64_MSR_SINT15.</summary>
    public const uint Sint15 = 0x4000_009F;

    /// <summary>HV_X64_MSR_STIMER0_CONFIG; STIMERn_CONFIG is <see cref="Stimer0Config"/> + 2n for n in 0..3.</summary>
    public const uint Stimer0Config = 0x4000_00B0;

    /// <summary>HV_X64_MSR_STIMER0_COUNT; STIMERn_COUNT is <see cref="Stimer0Count"/> + 2n for n in 0..3.</summary>
    public const uint Stimer0Count = 0x4000_00B1;

    /// <summary>HV_X64_MSR_STIMER3_COUNT, the last synthetic timer MSR.</summary>
    public const uint Stimer3Count = 0x4000_00B7;

    /// <summary>HV_X64_MSR_GUEST_IDLE, per VP: a read idles the VP until an interrupt is pending, even with IF = 0 (docs/hyperv.md#linux-detection).</summary>
    public const uint GuestIdle = 0x4000_00F0;

    /// <summary>HV_X64_MSR_CRASH_P0; P0..P4 are 0x40000100..0x40000104 (QEMU's doc's "P5" is an erratum, docs/hyperv.md#synthetic-msrs).</summary>
    public const uint CrashP0 = 0x4000_0100;

    /// <summary>HV_X64_MSR_CRASH_P4.</summary>
    public const uint CrashP4 = 0x4000_0104;

    /// <summary>HV_X64_MSR_CRASH_CTL: bit 63 CrashNotify, bit 62 CrashMessage.</summary>
    public const uint CrashCtl = 0x4000_0105;

    /// <summary>HV_X64_MSR_REENLIGHTENMENT_CONTROL.</summary>
    public const uint ReenlightenmentControl = 0x4000_0106;

    /// <summary>HV_X64_MSR_TSC_EMULATION_CONTROL.</summary>
    public const uint TscEmulationControl = 0x4000_0107;

    /// <summary>HV_X64_MSR_TSC_EMULATION_STATUS.</summary>
    public const uint TscEmulationStatus = 0x4000_0108;

    /// <summary>HV_X64_MSR_TSC_INVARIANT_CONTROL: bit 0 exposes the invariant TSC (Linux name).</summary>
    public const uint TscInvariantControl = 0x4000_0118;

    /// <summary>The SINT MSR of synthetic interrupt source <paramref name="sint"/> (0..15).</summary>
    public static uint Sint(int sint)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sint);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sint, 15);
        return Sint0 + (uint)sint;
    }

    /// <summary>The STIMERn_CONFIG MSR of synthetic timer <paramref name="timer"/> (0..3).</summary>
    public static uint StimerConfig(int timer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(timer);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(timer, 3);
        return Stimer0Config + (2 * (uint)timer);
    }

    /// <summary>The STIMERn_COUNT MSR of synthetic timer <paramref name="timer"/> (0..3).</summary>
    public static uint StimerCount(int timer) => StimerConfig(timer) + 1;
}

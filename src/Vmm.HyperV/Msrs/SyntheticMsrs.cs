using Vmm.Core.Hypervisor;
using Vmm.Core.Memory;
using Vmm.Core.Vcpu;
using Vmm.HyperV.Cpuid;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Msrs;

/// <summary>
/// The Hyper-V synthetic MSRs (HV_X64_MSR_*) of one partition, served in userspace: RDMSR and WRMSR exits for
/// 0x40000000-0x400000FF (<see cref="SyntheticMsrRanges"/>) land here.
/// </summary>
/// <remarks>
/// <para>What each MSR does, and what gates it (docs/hyperv.md#privileges, #synthetic-msrs; TLFS vp-properties.md, timers.md):</para>
/// <code>
/// MSR         name            gate (0x40000003)       read                 write
/// 0x40000000  GUEST_OS_ID     EAX 5                   value                any; 0 disables the hypercall page
/// 0x40000001  HYPERCALL       EAX 5                   value                enable/locked/GPA, see below
/// 0x40000002  VP_INDEX        EAX 6                   processor index      #GP
/// 0x40000003  RESET           EAX 7                   0                    bit 0 → reset; bits 63:1 RsvdZ → #GP
/// 0x40000010  VP_RUNTIME      EAX 0                   platform, 100 ns     #GP
/// 0x40000020  TIME_REF_COUNT  EAX 1                   reference time       #GP
/// 0x40000021  REFERENCE_TSC   EAX 9                   value                enable/GPA, page written
/// 0x40000022  TSC_FREQUENCY   EAX 11 and EDX 8        platform, Hz         #GP
/// 0x40000023  APIC_FREQUENCY  EAX 11 and EDX 8        platform, Hz         #GP
/// 0x40000073  VP_ASSIST_PAGE  EAX 4 or EAX 5          value                stored
/// 0x400000F0  GUEST_IDLE      EAX 10                  0, at once           #GP
/// any other                                            #GP                  #GP
/// </code>
/// <para>
/// A gate that is not advertised makes both RDMSR and WRMSR fault. Two rows need a word. The frequency MSRs need
/// the privilege and the "frequencies available" feature bit, the pair Linux checks (docs/hyperv.md#linux-detection).
/// HV_X64_MSR_VP_ASSIST_PAGE is written by Linux on every CPU whether or not AccessIntrCtrlRegs is advertised
/// (docs/hyperv.md#linux-boot), so it is accepted whenever the guest sees a Hyper-V interface at all
/// (AccessHypercallMsrs, which REQ makes mandatory), not only with its own privilege bit.
/// </para>
/// <para>
/// Reserved bits. The page MSRs' bits 11:1 (11:2 for HYPERCALL) are RsvdP: the TLFS asks the guest to preserve
/// them and says nothing of faulting, so they are stored and read back as written. HV_X64_MSR_RESET bits 63:1 are
/// RsvdZ (Microsoft's HV_X64_MSR_RESET_CONTENTS: Reset:1, ReservedZ:63) and fault.
/// </para>
/// <para>
/// HV_X64_MSR_HYPERCALL: the page is laid over guest RAM while enabled (its stub at offset 0, INT3 elsewhere,
/// <see cref="HypercallPage"/>); enabling while GUEST_OS_ID is 0 leaves the enable bit 0; a page that is not guest
/// RAM faults the write; the locked bit (honoured whether or not EDX bit 18 is advertised) makes every later write
/// a silent no-op until <see cref="Reset"/>.
/// </para>
/// <para>
/// Reference time. HV_X64_MSR_TIME_REF_COUNT and the reference TSC page both compute
/// ((guest TSC × scale) &gt;&gt; 64) + offset with one scale (from the TSC frequency) and one offset, so the two
/// agree to the tick. The offset puts reference time 0 at the guest TSC seen by the first access that needs it
/// (the first TIME_REF_COUNT read or the first REFERENCE_TSC enable), not at partition creation as the TLFS says:
/// the handler may be built before the vCPUs whose TSC it would have to read exist, and reading a TSC only on the
/// processor's own thread, inside its own exit, keeps the platform contract simple. The guest cannot tell the
/// difference, except by comparing reference time with TSC ticks since reset (Linux's sched_clock subtracts its
/// first reading anyway).
/// </para>
/// <para>
/// HV_X64_MSR_GUEST_IDLE returns at once instead of idling the processor until an interrupt is pending. That is
/// allowed: an idle that ends immediately is what the guest sees when an interrupt is already pending or a spurious
/// wake-up happens, and callers re-check their condition after the read (Linux's paravirtual spinlock wait re-reads
/// the lock byte and loops). The cost is a busy wait instead of a halt; a later version can ask the platform to
/// halt the processor until an interrupt is pending, even with IF = 0 (docs/hyperv.md#linux-detection).
/// </para>
/// <para>
/// Threading: Read and Write run on the calling processor's thread. Per-processor state (VP assist page) is
/// touched only there and has no lock; partition-wide state sits behind one lock. Reads allocate nothing.
/// Processor indices are VP indices (HV_X64_MSR_VP_INDEX returns the vCPU index).
/// </para>
/// </remarks>
public sealed class SyntheticMsrs : IMsrHandler
{
    private readonly GuestMemory _memory;
    private readonly IHyperVPlatform _platform;
    private readonly PartitionSyntheticMsrs _partition;
    private readonly VpSyntheticMsrs[] _processors;
    private readonly ulong _tscFrequency;
    private readonly ulong _apicTimerFrequency;

    private readonly bool _hypercallMsrs;
    private readonly bool _vpIndex;
    private readonly bool _reset;
    private readonly bool _vpRunTime;
    private readonly bool _timeRefCount;
    private readonly bool _referenceTsc;
    private readonly bool _frequencies;
    private readonly bool _vpAssistPage;
    private readonly bool _guestIdle;

    /// <summary>Creates the MSRs for what <paramref name="profile"/> advertises (its privileges and feature flags).</summary>
    /// <param name="profile">What CPUID 0x40000003 advertises.</param>
    /// <param name="memory">Guest RAM, where the hypercall and reference TSC pages go.</param>
    /// <param name="processorCount">Number of virtual processors; valid processor indices are 0 to count − 1.</param>
    /// <param name="hypercallPageCode">
    /// The backend's hypercall stub (<see cref="IPartition.HypercallPageCode"/>), copied: 1 to 4096 bytes when the
    /// hypercall MSRs are advertised, otherwise ignored.
    /// </param>
    /// <param name="platform">Clocks and reset.</param>
    /// <exception cref="ArgumentException">The stub does not fit, or a frequency the advertised MSRs need is unusable.</exception>
    public SyntheticMsrs(
        HyperVFeatureProfile profile,
        GuestMemory memory,
        int processorCount,
        ReadOnlySpan<byte> hypercallPageCode,
        IHyperVPlatform platform)
        : this(NotNull(profile).Privileges, profile.FeatureFlags, memory, processorCount, hypercallPageCode, platform)
    {
    }

    /// <summary>Creates the MSRs for an explicit CPUID 0x40000003 (privileges in EAX:EBX, feature flags in EDX).</summary>
    /// <inheritdoc cref="SyntheticMsrs(HyperVFeatureProfile, GuestMemory, int, ReadOnlySpan{byte}, IHyperVPlatform)"/>
    /// <param name="privileges">CPUID 0x40000003 EAX:EBX as advertised.</param>
    /// <param name="features">CPUID 0x40000003 EDX as advertised.</param>
    /// <param name="memory">Guest RAM, where the hypercall and reference TSC pages go.</param>
    /// <param name="processorCount">Number of virtual processors; valid processor indices are 0 to count − 1.</param>
    /// <param name="hypercallPageCode">The backend's hypercall stub, copied.</param>
    /// <param name="platform">Clocks and reset.</param>
    public SyntheticMsrs(
        HvPartitionPrivileges privileges,
        HvFeatures features,
        GuestMemory memory,
        int processorCount,
        ReadOnlySpan<byte> hypercallPageCode,
        IHyperVPlatform platform)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(platform);
        ArgumentOutOfRangeException.ThrowIfLessThan(processorCount, 1);

        _hypercallMsrs = privileges.AccessHypercallMsrs;
        _vpIndex = privileges.AccessVpIndex;
        _reset = privileges.AccessResetReg;
        _vpRunTime = privileges.AccessVpRunTimeReg;
        _timeRefCount = privileges.AccessPartitionReferenceCounter;
        _referenceTsc = privileges.AccessPartitionReferenceTsc;
        _frequencies = privileges.AccessFrequencyRegs && features.FrequencyRegsAvailable;
        _vpAssistPage = privileges.AccessIntrCtrlRegs || privileges.AccessHypercallMsrs;
        _guestIdle = privileges.AccessGuestIdleReg;

        if (_hypercallMsrs)
        {
            HypercallPage.ValidateCode(hypercallPageCode);
        }

        _tscFrequency = platform.TscFrequency;
        _apicTimerFrequency = platform.ApicTimerFrequency;
        ulong tscScale = 0;
        if (_timeRefCount || _referenceTsc)
        {
            if (_tscFrequency < ReferenceTscPage.MinimumTscFrequency)
            {
                throw new ArgumentException(
                    $"Reference time needs a TSC faster than 10 MHz; the platform reports {_tscFrequency} Hz.", nameof(platform));
            }

            tscScale = ReferenceTscPage.ScaleFor(_tscFrequency);
        }

        // A zero from a frequency MSR breaks the guest's TSC and LAPIC timer calibration (docs/hyperv.md#linux-detection).
        if (_frequencies && (_tscFrequency == 0 || _apicTimerFrequency == 0))
        {
            throw new ArgumentException(
                $"The frequency MSRs need both frequencies; the platform reports TSC {_tscFrequency} Hz, APIC timer {_apicTimerFrequency} Hz.",
                nameof(platform));
        }

        _memory = memory;
        _platform = platform;
        _partition = new PartitionSyntheticMsrs(memory, platform, _hypercallMsrs ? hypercallPageCode : default, tscScale);
        _processors = new VpSyntheticMsrs[processorCount];
        for (int i = 0; i < processorCount; i++)
        {
            _processors[i] = new VpSyntheticMsrs();
        }
    }

    /// <summary>Number of virtual processors.</summary>
    public int ProcessorCount => _processors.Length;

    /// <summary>
    /// True while the guest has the hypercall page enabled (HV_X64_MSR_HYPERCALL bit 0). Before that, and after
    /// GUEST_OS_ID is cleared, a hypercall did not come through the page.
    /// </summary>
    public bool IsHypercallPageEnabled => _partition.IsHypercallPageEnabled;

    /// <inheritdoc />
    /// <remarks>The backend only routes 0x40000000-0x400000FF here; any other index faults.</remarks>
    /// <summary>
    /// The VP index each vCPU reports in HV_X64_MSR_VP_INDEX (`--vp-index`); null means VP index = vCPU index. Set
    /// before the VM starts.
    /// </summary>
    public TlbFlush.IVpIndexMap? VpIndexMap { get; set; }

    /// <inheritdoc />
    public MsrAccessResult Read(int processorIndex, uint index, out ulong value)
    {
        CheckProcessor(processorIndex);
        switch (index)
        {
            case HvMsr.GuestOsId when _hypercallMsrs:
                value = _partition.GuestOsId;
                return MsrAccessResult.Ok;
            case HvMsr.Hypercall when _hypercallMsrs:
                value = _partition.Hypercall;
                return MsrAccessResult.Ok;
            case HvMsr.VpIndex when _vpIndex:
                value = (ulong)(VpIndexMap?.GetVpIndex(processorIndex) ?? processorIndex);
                return MsrAccessResult.Ok;
            case HvMsr.Reset when _reset:
                value = 0;
                return MsrAccessResult.Ok;
            case HvMsr.VpRuntime when _vpRunTime:
                value = _platform.GetRunTime(processorIndex);
                return MsrAccessResult.Ok;
            case HvMsr.TimeRefCount when _timeRefCount:
                value = _partition.ReadTimeRefCount(processorIndex);
                return MsrAccessResult.Ok;
            case HvMsr.ReferenceTsc when _referenceTsc:
                value = _partition.ReferenceTsc;
                return MsrAccessResult.Ok;
            case HvMsr.TscFrequency when _frequencies:
                value = _tscFrequency;
                return MsrAccessResult.Ok;
            case HvMsr.ApicFrequency when _frequencies:
                value = _apicTimerFrequency;
                return MsrAccessResult.Ok;
            case HvMsr.VpAssistPage when _vpAssistPage:
                value = _processors[processorIndex].VpAssistPage;
                return MsrAccessResult.Ok;
            case HvMsr.GuestIdle when _guestIdle:
                // Returns at once: see the remarks on the type for why not idling is allowed.
                value = 0;
                return MsrAccessResult.Ok;
            default:
                value = 0;
                return MsrAccessResult.GeneralProtection;
        }
    }

    /// <inheritdoc />
    /// <remarks>The backend only routes 0x40000000-0x400000FF here; any other index faults.</remarks>
    public MsrAccessResult Write(int processorIndex, uint index, ulong value)
    {
        CheckProcessor(processorIndex);
        switch (index)
        {
            case HvMsr.GuestOsId when _hypercallMsrs:
                _partition.WriteGuestOsId(value);
                return MsrAccessResult.Ok;
            case HvMsr.Hypercall when _hypercallMsrs:
                return _partition.WriteHypercall(value);
            case HvMsr.Reset when _reset:
                return WriteReset(value);
            case HvMsr.ReferenceTsc when _referenceTsc:
                _partition.WriteReferenceTsc(processorIndex, value);
                return MsrAccessResult.Ok;
            case HvMsr.VpAssistPage when _vpAssistPage:
                _processors[processorIndex].WriteVpAssistPage(_memory, value);
                return MsrAccessResult.Ok;
            default:
                // Includes the read-only MSRs (VP_INDEX, VP_RUNTIME, TIME_REF_COUNT, the frequencies, GUEST_IDLE):
                // writing them faults (TLFS timers.md for TIME_REF_COUNT; docs/hyperv.md#msr-rules).
                return MsrAccessResult.GeneralProtection;
        }
    }

    /// <summary>
    /// Puts every MSR back to its power-on value (GUEST_OS_ID 0, hypercall page off and unlocked, reference TSC
    /// page off, VP assist pages off) and restarts reference time at its next use. Guest memory is not written.
    /// </summary>
    /// <remarks>Call only while no processor runs, before the VMM reloads guest memory for the next boot.</remarks>
    public void Reset()
    {
        _partition.Reset();
        foreach (VpSyntheticMsrs processor in _processors)
        {
            processor.Reset();
        }
    }

    private static HyperVFeatureProfile NotNull(HyperVFeatureProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return profile;
    }

    private MsrAccessResult WriteReset(ulong value)
    {
        // Bit 0 resets; bits 63:1 are RsvdZ (HV_X64_MSR_RESET_CONTENTS), so a write that sets them faults.
        if ((value & ~1UL) != 0)
        {
            return MsrAccessResult.GeneralProtection;
        }

        if (value != 0)
        {
            _platform.RequestReset();
        }

        return MsrAccessResult.Ok;
    }

    private void CheckProcessor(int processorIndex)
    {
        // The index comes from the backend, not the guest: out of range is a VMM bug.
        ArgumentOutOfRangeException.ThrowIfNegative(processorIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(processorIndex, _processors.Length);
    }
}

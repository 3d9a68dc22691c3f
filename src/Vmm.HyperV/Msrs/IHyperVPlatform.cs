namespace Vmm.HyperV.Msrs;

/// <summary>
/// What the synthetic MSRs (<see cref="SyntheticMsrs"/>) need from the VMM and its backend: the guest's clocks
/// and a way to reset the VM. The VMM implements it; the Hyper-V code never sees which backend is behind it.
/// </summary>
/// <remarks>
/// <para>
/// Threading: <see cref="ReadGuestTsc"/> and <see cref="GetRunTime"/> are only ever called on the thread of the
/// virtual processor they name, while that processor is stopped in an MSR exit, so a backend may serve them with
/// a per-vCPU call (KVM: KVM_GET_MSRS of IA32_TSC on the vCPU's own fd). <see cref="RequestReset"/> is called on
/// the thread of the processor that wrote HV_X64_MSR_RESET, also inside that MSR exit.
/// </para>
/// <para>
/// The frequencies are read once, when <see cref="SyntheticMsrs"/> is built: the reference TSC page and
/// HV_X64_MSR_TIME_REF_COUNT both scale the TSC by the same constant, so the TSC frequency must not change while
/// the partition lives.
/// </para>
/// </remarks>
public interface IHyperVPlatform
{
    /// <summary>
    /// The guest TSC frequency in Hz: the rate at which RDTSC advances in the guest, constant for the life of the
    /// partition (an invariant TSC). HV_X64_MSR_TSC_FREQUENCY reports it and reference time is derived from it.
    /// </summary>
    ulong TscFrequency { get; }

    /// <summary>
    /// The local APIC timer frequency in Hz, reported by HV_X64_MSR_APIC_FREQUENCY (KVM's in-kernel LAPIC: the
    /// 1 GHz APIC bus; docs/hyperv.md#synthetic-msrs).
    /// </summary>
    ulong ApicTimerFrequency { get; }

    /// <summary>
    /// Reads the guest TSC of virtual processor <paramref name="processorIndex"/> now, as the guest's RDTSC would
    /// return it (host TSC scaled and offset by the backend).
    /// </summary>
    /// <remarks>Called on that processor's own thread during an MSR exit; never on another processor's thread.</remarks>
    ulong ReadGuestTsc(int processorIndex);

    /// <summary>
    /// The run time of virtual processor <paramref name="processorIndex"/> in 100 ns units: how long it has spent
    /// running guest code since it was created (HV_X64_MSR_VP_RUNTIME; TLFS vp-properties.md).
    /// </summary>
    /// <remarks>Called on that processor's own thread during an MSR exit.</remarks>
    ulong GetRunTime(int processorIndex);

    /// <summary>
    /// The guest asked for a system reset (HV_X64_MSR_RESET written with bit 0 set). The VMM should stop every
    /// virtual processor and reset or stop the VM.
    /// </summary>
    /// <remarks>
    /// Called on the writing processor's thread, inside its MSR exit: it must not wait for that processor to
    /// stop (it cannot until this returns). Setting a flag that makes the vCPU loops leave is enough. The VMM
    /// should call <see cref="SyntheticMsrs.Reset"/> before it reloads guest memory and restarts the processors.
    /// </remarks>
    void RequestReset();
}

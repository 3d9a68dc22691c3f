using Vmm.Core.Registers;

namespace Vmm.Core.Hypervisor;

/// <summary>
/// One virtual processor. <see cref="Run"/> enters the guest once, services the exit through the
/// handler (allocation-free), and returns a small result; the vCPU loop in Core calls it again.
/// </summary>
/// <remarks>
/// <see cref="Run"/>, register access and <see cref="PrepareRunThread"/> belong to the vCPU's own thread
/// (register access also before that thread starts). <see cref="Kick"/> may be called from any thread.
/// </remarks>
public interface IVirtualProcessor : IDisposable
{
    /// <summary>The vCPU index (0-based, dense).</summary>
    int Index { get; }

    /// <summary>Called once on the thread that will call <see cref="Run"/>, before the first run.</summary>
    void PrepareRunThread();

    /// <summary>Called once on the run thread after its last <see cref="Run"/>; later kicks become no-ops.</summary>
    void ReleaseRunThread();

    /// <summary>Enters the guest until the next exit, services it and returns what happened.</summary>
    VcpuRunResult Run(IVcpuExitHandler handler);

    /// <summary>
    /// Makes a current or the next <see cref="Run"/> return <see cref="VcpuExitKind.Canceled"/> promptly.
    /// Never lost: a kick that arrives while the processor is outside the guest cancels the next entry.
    /// </summary>
    void Kick();

    /// <summary>
    /// On the vCPU's own thread, outside the guest: makes sure the next entry uses no cached guest translation at
    /// all, global ones included. Every flush is a full flush: neither KVM nor WHP can flush single GVAs from
    /// userspace, and the TLFS lets a flush cover more than was asked (docs/tlb-flush.md#protocol). KVM flushes
    /// through the steal-time KVM_VCPU_FLUSH_TLB bit.
    /// </summary>
    void FlushGuestTlb();

    /// <summary>
    /// Any thread: if the host reports this vCPU as descheduled inside the guest (KVM: KVM_VCPU_PREEMPTED in its
    /// steal-time area), hands it a full TLB flush that the platform applies before the vCPU runs another guest
    /// instruction, and returns true: the requester need not kick it or wait. Returns false when the vCPU is not
    /// reported descheduled or the platform has no such facility (WHP); the caller then kicks and waits.
    /// </summary>
    /// <remarks>
    /// Must be an atomic compare-and-swap on the platform's flag (docs/tlb-flush.md#deferral-rules, rule 1): a plain
    /// read-then-store could land after the vCPU was scheduled back in and lose the flush.
    /// </remarks>
    bool TryDeferFlushWhileDescheduled();

    /// <summary>Reads the general-purpose registers.</summary>
    void GetRegisters(out StandardRegisters registers);

    /// <summary>Writes the general-purpose registers.</summary>
    void SetRegisters(in StandardRegisters registers);

    /// <summary>Reads the segment, table and control registers.</summary>
    void GetSpecialRegisters(out SpecialRegisters registers);

    /// <summary>Writes the segment, table and control registers.</summary>
    void SetSpecialRegisters(in SpecialRegisters registers);

    /// <summary>Reads the MSRs whose <see cref="MsrEntry.Index"/> is filled in (platform MSRs, e.g. IA32_TSC).</summary>
    /// <exception cref="HypervisorException">The platform cannot read one of them.</exception>
    void GetMsrs(Span<MsrEntry> entries);

    /// <summary>Writes platform MSRs.</summary>
    /// <exception cref="HypervisorException">The platform cannot write one of them.</exception>
    void SetMsrs(ReadOnlySpan<MsrEntry> entries);
}

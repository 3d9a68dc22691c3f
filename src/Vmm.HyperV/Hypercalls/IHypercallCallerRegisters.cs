namespace Vmm.HyperV.Hypercalls;

/// <summary>
/// Reads what a hypercall trace needs to name the caller of a call: the calling vCPU's RSP (where a call through the
/// hypercall page left its return address) and CR3 (its page tables). Used only when tracing.
/// </summary>
/// <remarks>Called on the calling vCPU's own thread, inside its hypercall exit, before the call ends.</remarks>
public interface IHypercallCallerRegisters
{
    /// <summary>Reads RSP and CR3 of <paramref name="processorIndex"/>; false when the backend cannot.</summary>
    bool TryRead(int processorIndex, out ulong stackPointer, out ulong pageTableBase);
}

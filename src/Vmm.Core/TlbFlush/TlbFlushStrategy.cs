namespace Vmm.Core.TlbFlush;

/// <summary>How the engine makes a remote flush take effect (`--flush-strategy`).</summary>
public enum TlbFlushStrategy
{
    /// <summary>
    /// Queue the flush for every target, kick the targets that are in the guest and wait until each has left it
    /// (docs/tlb-flush.md#protocol). Works everywhere; under overcommit it waits for descheduled targets to get a CPU.
    /// </summary>
    KickAndWait,

    /// <summary>
    /// One partition-wide flush by the platform (KVM: move a scratch memslot, which invalidates it), which waits only for
    /// vCPUs running in the guest. Flushes every vCPU, not only the targets (over-flushing is allowed).
    /// </summary>
    PlatformWide,

    /// <summary>
    /// Chosen when the machine is created by <see cref="TlbFlushStrategySelector"/>: a probe of the platform-wide
    /// flush and of how many host CPUs the vCPUs share. Never the strategy of a running engine.
    /// </summary>
    Auto,
}

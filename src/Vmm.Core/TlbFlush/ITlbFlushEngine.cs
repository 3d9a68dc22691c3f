namespace Vmm.Core.TlbFlush;

/// <summary>
/// The remote TLB flush as the flush hypercalls call it: one synchronous request per hypercall invocation, on the
/// requesting vCPU's thread (docs/tlb-flush.md#contract). <see cref="TlbFlushEngine"/> is the implementation.
/// </summary>
/// <remarks>
/// When <see cref="Flush"/> returns a complete result, no target may use a translation it cached before the call:
/// a target in the guest has been kicked and has left it; a target outside the guest flushes before its next entry.
/// Called concurrently from several vCPU threads; must not allocate.
/// </remarks>
public interface ITlbFlushEngine
{
    /// <summary>The strategy's command-line name (for traces).</summary>
    string StrategyName { get; }

    /// <summary>Flushes every target of <paramref name="request"/> and returns when that is done.</summary>
    /// <param name="requester">
    /// The calling vCPU: the call must come from its own thread while it services one of its exits. Out of range for
    /// a non-vCPU caller.
    /// </param>
    /// <param name="request">The targets.</param>
    /// <returns>How the request went.</returns>
    TlbFlushResult Flush(int requester, in TlbFlushRequest request);
}

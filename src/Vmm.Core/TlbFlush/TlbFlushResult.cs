namespace Vmm.Core.TlbFlush;

/// <summary>What one flush request did.</summary>
/// <param name="Targets">vCPUs the flush was queued for.</param>
/// <param name="Kicked">Targets that were in the guest and were kicked and awaited.</param>
/// <param name="Elapsed">Time from the request to completion.</param>
/// <param name="Complete">False only if a target did not acknowledge within the time limit (a dead vCPU thread).</param>
/// <param name="Deferred">Targets reported descheduled in the guest, handed to the platform and not awaited.</param>
public readonly record struct TlbFlushResult(int Targets, int Kicked, TimeSpan Elapsed, bool Complete, int Deferred = 0);

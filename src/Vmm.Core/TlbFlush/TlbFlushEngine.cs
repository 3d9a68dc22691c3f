using System.Diagnostics;
using Vmm.Core.Diagnostics;
using Vmm.Core.Vcpu;

namespace Vmm.Core.TlbFlush;

/// <summary>
/// The userspace remote TLB flush (docs/tlb-flush.md). <see cref="Flush"/> returns only when no target can use a
/// translation the flush covers (TLFS HvCallFlushVirtualAddressSpace/List): every target has the flush queued;
/// targets outside the guest apply it before their next entry, and targets in the guest are kicked and awaited
/// until they have left it. The requester sleeps while it waits (spinning would take the CPU the targets need:
/// 43 ms vs 28 ms p50 at 8 vCPUs on 2 CPUs, docs/tlb-flush.md#waiting). Requests from several vCPUs to one
/// target coalesce: one exit acknowledges every kick sent so far.
/// </summary>
/// <remarks>
/// A requester marks itself outside the guest before it reads its targets' states, so of two vCPUs flushing each
/// other at most one waits for the other, and waits never form a cycle.
/// Allocation-free per request.
/// </remarks>
public sealed class TlbFlushEngine : ITlbFlushEngine
{
    private static readonly TimeSpan s_targetTimeout = TimeSpan.FromSeconds(30);
    private const long DeferredMark = -1;

    private readonly VcpuThread[] _vcpus;
    private long _requests;
    private long _targets;
    private long _kicked;
    private long _notWaited;
    private long _deferred;
    private long _platformFlushed;
    private long _platformArrivals;
    private long _platformCoveredUpTo;
    private long _platformFlushes;
    private long _platformShared;
    private bool _platformLastOk = true;
    private readonly Lock _platformLock = new();
    private readonly Func<bool>? _platformFlush;

    /// <summary>Creates the engine over the machine's vCPU threads.</summary>
    /// <param name="vcpus">The vCPU threads.</param>
    /// <param name="strategy">How flushes take effect.</param>
    /// <param name="platformFlush">The platform-wide flush, for <see cref="TlbFlushStrategy.PlatformWide"/>.</param>
    public TlbFlushEngine(IReadOnlyList<VcpuThread> vcpus, TlbFlushStrategy strategy = TlbFlushStrategy.KickAndWait, Func<bool>? platformFlush = null)
    {
        ArgumentNullException.ThrowIfNull(vcpus);
        if (strategy == TlbFlushStrategy.Auto)
        {
            throw new ArgumentException("Resolve the auto strategy with TlbFlushStrategySelector first.", nameof(strategy));
        }

        if (strategy == TlbFlushStrategy.PlatformWide && platformFlush is null)
        {
            throw new ArgumentException("The platform-wide flush strategy needs the platform's flush.", nameof(platformFlush));
        }

        _vcpus = [.. vcpus];
        Strategy = strategy;
        _platformFlush = platformFlush;
    }

    /// <summary>How flushes take effect.</summary>
    public TlbFlushStrategy Strategy { get; }

    /// <summary>Why <see cref="TlbFlushStrategy.Auto"/> chose <see cref="Strategy"/>, or null when it was named.</summary>
    public string? AutoReason { get; init; }

    /// <summary>The strategy's command-line name.</summary>
    public string StrategyName => TlbFlushStrategySelector.NameOf(Strategy);

    /// <summary>The strategy's command-line name, with the auto probe's reason when it chose it.</summary>
    public string StrategyDescription => StrategyName
        + (AutoReason is null ? string.Empty : $", chosen by auto: {AutoReason}");

    /// <summary>Platform-wide flushes actually made (requests that arrived while one ran share the next).</summary>
    public long PlatformFlushes => Interlocked.Read(ref _platformFlushes);

    /// <summary>Requests completed by a platform-wide flush that another request made.</summary>
    public long PlatformShared => Interlocked.Read(ref _platformShared);

    /// <summary>Targets covered by a platform-wide flush instead of being kicked and awaited.</summary>
    public long PlatformFlushed => Interlocked.Read(ref _platformFlushed);

    /// <summary>Request latency, from the call to completion.</summary>
    public LatencyHistogram LatencyHistogram { get; } = new();

    /// <summary>Time spent waiting for kicked targets (requests that kicked at least one).</summary>
    public LatencyHistogram WaitHistogram { get; } = new();

    private TlbFlushResult FlushPlatformWide(in TlbFlushRequest request, long start)
    {
        int count = request.CountIn(_vcpus.Length);

        // Synchronous: when the platform returns, every vCPU's TLB is flushed or will be before it next enters.
        // Requests that pile up behind a running platform flush share the next one (flush combining): a request is
        // covered by any platform flush that *started* after it arrived, since the guest's PTE changes it must make
        // visible were stored before the hypercall. Tickets are taken before the lock; a flush covers every ticket
        // issued before it starts. Under a storm of requests this turns N serialized KVM updates into about one per
        // update's duration.
        long ticket = Interlocked.Increment(ref _platformArrivals);
        bool complete;
        lock (_platformLock)
        {
            if (_platformCoveredUpTo >= ticket)
            {
                complete = _platformLastOk;
                Interlocked.Increment(ref _platformShared);
            }
            else
            {
                long covers = Interlocked.Read(ref _platformArrivals);
                complete = _platformFlush!();
                _platformLastOk = complete;
                _platformCoveredUpTo = covers;
                Interlocked.Increment(ref _platformFlushes);
            }
        }

        long end = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref _targets, count);
        Interlocked.Add(ref _platformFlushed, count);
        LatencyHistogram.RecordStopwatchTicks(end - start);
        TlbFlushMetrics.Requests.Add(1);
        TlbFlushMetrics.Targets.Add(count);
        TlbFlushMetrics.Latency.Record(Stopwatch.GetElapsedTime(start, end).TotalMicroseconds);
        return new TlbFlushResult(count, 0, Stopwatch.GetElapsedTime(start, end), complete);
    }

    /// <summary>A one-line summary for people, or null when no flush was requested.</summary>
    public string? Summarize()
    {
        if (Requests == 0)
        {
            return null;
        }

        string how = Strategy == TlbFlushStrategy.PlatformWide
            ? $"{PlatformFlushed} covered by {PlatformFlushes} platform-wide flushes ({PlatformShared} requests shared another's), none kicked"
            : $"{Kicked} kicked and awaited, {Deferred} deferred while descheduled, {NotWaited} outside the guest";
        return $"TLB flush ({StrategyDescription}): {Requests} requests, {Targets} targets ({how}), "
            + $"latency p50 {Format(LatencyHistogram.Percentile(50))}, p99 {Format(LatencyHistogram.Percentile(99))}, max {Format(LatencyHistogram.Max)}";
    }

    private static string Format(TimeSpan t) => t.TotalMilliseconds >= 1 ? $"{t.TotalMilliseconds:0.0} ms" : $"{t.TotalMicroseconds:0.0} µs";

    /// <summary>Flush requests served.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Targets flushed (summed over requests).</summary>
    public long Targets => Interlocked.Read(ref _targets);

    /// <summary>Targets that were in the guest and had to be kicked and awaited.</summary>
    public long Kicked => Interlocked.Read(ref _kicked);

    /// <summary>Targets that were outside the guest and were not waited for.</summary>
    public long NotWaited => Interlocked.Read(ref _notWaited);

    /// <summary>Targets the host reported descheduled in the guest, handed to the platform instead of awaited.</summary>
    public long Deferred => Interlocked.Read(ref _deferred);

    /// <summary>Targets the requester did not wait for: outside the guest, deferred, or covered by a platform-wide flush.</summary>
    public long NotAwaited => NotWaited + Deferred + PlatformFlushed;

    /// <summary>
    /// Flushes every vCPU <paramref name="request"/> names (indices of vCPUs the machine lacks are ignored) and
    /// returns when it is done.
    /// </summary>
    /// <param name="requester">
    /// The calling vCPU: the call must come from its own thread while it services one of its exits (it is outside the
    /// guest; this marks it so, and its own flush applies before its next entry). Out of range for a non-vCPU caller.
    /// </param>
    /// <param name="request">The targets.</param>
    /// <returns>How the request went.</returns>
    public TlbFlushResult Flush(int requester, in TlbFlushRequest request)
    {
        long start = Stopwatch.GetTimestamp();
        if (Strategy == TlbFlushStrategy.PlatformWide)
        {
            return FlushPlatformWide(request, start);
        }

        // The requester is servicing an exit on its own thread, but its state still says InGuest until its run
        // returns. Left so, two vCPUs flushing each other at once would each see the other in the guest, kick it
        // and wait for an acknowledgement that comes only at the other's next entry: both stall until the timeout
        // (the tlbstorm guest found this). Publishing Outside first, with a full barrier, makes it a Dekker pair
        // with every other requester's own publish-then-read: of two vCPUs flushing each other at least one sees
        // the other Outside and does not wait, and a cycle of waits would need each read to precede the next
        // publish all the way round, which sequential consistency rules out. The requester re-publishes InGuest
        // (and applies whatever was queued for it) before its next entry, as any vCPU does.
        if ((uint)requester < (uint)_vcpus.Length)
        {
            _vcpus[requester].TlbState.LeaveGuest();
        }

        int count = 0;
        foreach (int t in request.TargetsIn(_vcpus.Length))
        {
            _vcpus[t].TlbState.Enqueue();
            count++;
        }

        // Full barrier between publishing the requests and reading the targets' states (see VcpuTlbState).
        Interlocked.MemoryBarrier();

        // sequences[t]: 0 = not awaited, > 0 = kick to await, DeferredMark = handed to the platform.
        Span<long> sequences = _vcpus.Length <= 512 ? stackalloc long[_vcpus.Length] : new long[_vcpus.Length];
        int kicked = 0;
        int deferred = 0;
        foreach (int t in request.TargetsIn(_vcpus.Length))
        {
            if (t == requester || !_vcpus[t].TlbState.IsInGuest)
            {
                continue;
            }

            // A target the host has descheduled inside the guest gets the flush from the platform when it is
            // scheduled back in (KVM: PREEMPTED|FLUSH_TLB by CAS); waiting for it to get a CPU is what dominates
            // under overcommit (docs/tlb-flush.md#costs). Its queued flush is still applied at its next entry from
            // userspace (docs/tlb-flush.md#deferral-rules, rule 2: re-post after KVM_RUN), which over-flushes harmlessly.
            if (_vcpus[t].TryDeferFlushWhileDescheduled())
            {
                sequences[t] = DeferredMark;
                deferred++;
                continue;
            }

            sequences[t] = _vcpus[t].Kick();
            kicked++;
        }

        long waitStart = Stopwatch.GetTimestamp();
        bool complete = true;
        for (int t = 0; t < sequences.Length; t++)
        {
            if (sequences[t] > 0 && !_vcpus[t].WaitForKickAcknowledged(sequences[t], s_targetTimeout))
            {
                // Only a vCPU thread that died or a host stalled for 30 s gets here; it is reported, never hidden.
                complete = false;
            }
        }

        long end = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref _targets, count);
        Interlocked.Add(ref _kicked, kicked);
        Interlocked.Add(ref _deferred, deferred);
        Interlocked.Add(ref _notWaited, count - kicked - deferred);
        LatencyHistogram.RecordStopwatchTicks(end - start);
        TlbFlushMetrics.Requests.Add(1);
        TlbFlushMetrics.Targets.Add(count);
        TlbFlushMetrics.Kicked.Add(kicked);
        TlbFlushMetrics.Deferred.Add(deferred);
        TlbFlushMetrics.NotWaited.Add(count - kicked - deferred);
        TlbFlushMetrics.Latency.Record(Stopwatch.GetElapsedTime(start, end).TotalMicroseconds);
        if (kicked > 0)
        {
            WaitHistogram.RecordStopwatchTicks(end - waitStart);
            TlbFlushMetrics.WaitLatency.Record(Stopwatch.GetElapsedTime(waitStart, end).TotalMicroseconds);
        }

        return new TlbFlushResult(count, kicked, Stopwatch.GetElapsedTime(start, end), complete, deferred);
    }
}

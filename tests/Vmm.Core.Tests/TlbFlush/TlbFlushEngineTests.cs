using Vmm.Core.Hypervisor;
using Vmm.Core.TlbFlush;
using Vmm.Core.Tests.Vcpu;
using Vmm.Core.Vcpu;

namespace Vmm.Core.Tests.TlbFlush;

public sealed class TlbFlushEngineTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    [Fact]
    public void ATargetOutsideTheGuestIsNotAwaitedButFlushesBeforeItsNextEntry()
    {
        using var rig = new Rig(2, start: false);
        TlbFlushResult result = rig.Engine.Flush(0, TlbFlushRequest.For(1));
        Assert.Equal((1, 0, true), (result.Targets, result.Kicked, result.Complete));
        Assert.Equal(0, rig.Processors[1].FlushCount);      // not applied yet: the vCPU has not entered

        rig.StartAll();
        WaitUntil(() => rig.Processors[1].RunCount > 0);
        Assert.Equal(1, rig.Processors[1].FlushesSeenAtLastRun); // applied before its first entry
    }

    [Fact]
    public void ATargetInTheGuestIsKickedAwaitedAndFlushedBeforeReentering()
    {
        using var rig = new Rig(3);
        WaitUntil(() => rig.Threads.All(t => t.TlbState.IsInGuest));
        int runsBefore = rig.Processors[2].RunCount;
        TlbFlushResult result = rig.Engine.Flush(0, TlbFlushRequest.For(1, 2));
        Assert.Equal((2, 2, true), (result.Targets, result.Kicked, result.Complete));
        WaitUntil(() => rig.Processors[2].RunCount > runsBefore);
        Assert.True(rig.Processors[2].FlushesSeenAtLastRun >= 1);
        Assert.Equal(0, rig.Processors[0].FlushCount);      // not a target
    }

    [Fact]
    public void RequestsQueuedWhileOutsideCoalesceIntoOneApplication()
    {
        using var rig = new Rig(2, start: false);
        for (int i = 0; i < 5; i++)
        {
            rig.Engine.Flush(0, TlbFlushRequest.For(1));
        }

        rig.StartAll();
        WaitUntil(() => rig.Processors[1].RunCount > 0);
        Assert.Equal(1, rig.Processors[1].FlushCount);
        Assert.Equal(5, rig.Engine.Requests);
    }

    [Fact]
    public void TwoVcpusFlushingEachOtherFromTheirOwnExitsAtOnceDoNotWaitForEachOther()
    {
        // Both are inside their runs (InGuest until the run returns) when they ask: each must not wait for the
        // other to leave the guest, which it only does after its own flush returns (found by the tlbstorm guest).
        using var rig = new Rig(2, start: false);
        using var together = new Barrier(2);
        var results = new TlbFlushResult[2];
        int finished = 0;
        for (int i = 0; i < 2; i++)
        {
            int self = i;
            rig.Processors[i].Enqueue(_ =>
            {
                together.SignalAndWait(TestContext.Current.CancellationToken);
                results[self] = rig.Engine.Flush(self, TlbFlushRequest.For(1 - self));
                Interlocked.Increment(ref finished);        // the engine counts a request before Flush returns
                return VcpuRunResult.Continue;
            });
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        rig.StartAll();
        WaitUntil(() => Volatile.Read(ref finished) == 2);
        Assert.True(results[0].Complete && results[1].Complete);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        WaitUntil(() => rig.Processors.All(p => p.FlushCount == 1));
    }

    [Fact]
    public async Task EveryVcpuFlushingEveryOtherFromItsOwnExitsNeitherDeadlocksNorLosesAFlush()
    {
        const int vcpus = 4;
        const int rounds = 300;
        using var rig = new Rig(vcpus, start: false);
        int incomplete = 0;
        int finished = 0;
        for (int r = 0; r < vcpus; r++)
        {
            int self = r;
            int[] others = Enumerable.Range(0, vcpus).Where(t => t != self).ToArray();
            FakeVirtualProcessor p = rig.Processors[r];
            for (int i = 0; i < rounds; i++)
            {
                // A while in the guest (a kick ends it), then an exit that flushes every other vCPU.
                p.Enqueue(_ => p.StayInGuest(TimeSpan.FromMilliseconds(1)));
                p.Enqueue(_ =>
                {
                    if (!rig.Engine.Flush(self, TlbFlushRequest.For(others)).Complete)
                    {
                        Interlocked.Increment(ref incomplete);
                    }

                    Interlocked.Increment(ref finished);
                    return VcpuRunResult.Continue;
                });
            }
        }

        rig.StartAll();
        await Task.Run(
            async () =>
            {
                while (Volatile.Read(ref finished) < vcpus * rounds)
                {
                    await Task.Delay(10, TestContext.Current.CancellationToken);
                }
            },
            TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.Equal(0, incomplete);
        Assert.Equal(vcpus * rounds, rig.Engine.Requests);
        Assert.Equal(vcpus * rounds * (vcpus - 1), rig.Engine.Targets);
        Assert.Equal(rig.Engine.Targets, rig.Engine.Kicked + rig.Engine.NotWaited);
        Assert.Equal(0, rig.Engine.Deferred);
        Assert.Equal(vcpus * rounds, rig.Engine.LatencyHistogram.Count);
        Assert.StartsWith($"TLB flush (kick): {vcpus * rounds} requests", rig.Engine.Summarize(), StringComparison.Ordinal);
        foreach (FakeVirtualProcessor p in rig.Processors)
        {
            Assert.True(p.FlushCount > 0);
        }
    }

    [Fact]
    public void ATargetTheHostReportsDescheduledIsHandedToThePlatformNotKickedOrAwaited()
    {
        using var rig = new Rig(3);
        WaitUntil(() => rig.Threads.All(t => t.TlbState.IsInGuest));
        rig.Processors[2].ReportsDescheduled = true;
        int runsBefore = rig.Processors[2].RunCount;
        TlbFlushResult result = rig.Engine.Flush(0, TlbFlushRequest.For(1, 2));
        Assert.Equal((2, 1, 1, true), (result.Targets, result.Kicked, result.Deferred, result.Complete));
        Assert.Equal(1, rig.Processors[2].DeferredFlushes);
        Assert.Equal(0, rig.Processors[1].DeferredFlushes);  // running: kicked, not deferred
        Assert.Equal(runsBefore, rig.Processors[2].RunCount); // never made to leave the guest
        Assert.True(rig.Threads[2].TlbState.HasPending);      // re-posted at its next entry from userspace anyway
        Assert.Equal((1L, 1L, 0L, 1L), (rig.Engine.Kicked, rig.Engine.Deferred, rig.Engine.NotWaited, rig.Engine.NotAwaited));
        Assert.Contains("1 kicked and awaited, 1 deferred while descheduled, 0 outside the guest", rig.Engine.Summarize(), StringComparison.Ordinal);
    }

    [Fact]
    public void ATargetOutsideTheGuestIsNeverOfferedForDeferral()
    {
        using var rig = new Rig(2, start: false);
        rig.Processors[1].ReportsDescheduled = true;
        TlbFlushResult result = rig.Engine.Flush(0, TlbFlushRequest.For(1));
        Assert.Equal((1, 0, 0), (result.Targets, result.Kicked, result.Deferred));
        Assert.Equal(0, rig.Processors[1].DeferredFlushes);
    }

    [Fact]
    public void TheEngineRefusesAnUnresolvedAutoStrategy()
    {
        using var rig = new Rig(1, start: false);
        Assert.Throws<ArgumentException>(() => new TlbFlushEngine(rig.Threads, TlbFlushStrategy.Auto, () => true));
    }

    [Fact]
    public async Task PlatformWideRequestsArrivingTogetherShareFlushesAndEachIsCoveredByOneThatStartedAfterIt()
    {
        // Every request must return only after a platform flush that began after the request arrived (its guest's
        // PTE stores came before the hypercall); requests piling up behind a running flush may share the next one.
        var flushes = new System.Collections.Concurrent.ConcurrentQueue<(long Start, long End)>();
        bool Flush()
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            Thread.Sleep(5);
            flushes.Enqueue((start, System.Diagnostics.Stopwatch.GetTimestamp()));
            return true;
        }

        using var rig = new Rig(8, start: false);
        var engine = new TlbFlushEngine(rig.Threads, TlbFlushStrategy.PlatformWide, Flush);
        var requests = new System.Collections.Concurrent.ConcurrentQueue<(long Arrived, long Returned)>();
        var requesters = Enumerable.Range(0, 8).Select(r => Task.Factory.StartNew(() =>
        {
            for (int i = 0; i < 25; i++)
            {
                long arrived = System.Diagnostics.Stopwatch.GetTimestamp();
                Assert.True(engine.Flush(r, TlbFlushRequest.For((r + 1) % 8)).Complete);
                requests.Enqueue((arrived, System.Diagnostics.Stopwatch.GetTimestamp()));
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(requesters).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        Assert.Equal(200, engine.Requests);
        Assert.Equal(200, engine.PlatformFlushes + engine.PlatformShared);
        Assert.Equal(engine.PlatformFlushes, flushes.Count);
        Assert.True(engine.PlatformShared > 0, "no request shared a flush although eight threads requested at once");
        foreach ((long arrived, long returned) in requests)
        {
            Assert.Contains(flushes, f => f.Start >= arrived && f.End <= returned);
        }
    }

    [Fact]
    public void TargetIndicesOutsideTheMachineAreIgnored()
    {
        using var rig = new Rig(2, start: false);
        TlbFlushResult result = rig.Engine.Flush(0, TlbFlushRequest.For(7, 1, 4095));
        Assert.Equal(1, result.Targets);
        Assert.Equal(2, rig.Engine.Flush(0, TlbFlushRequest.All).Targets);

        // A negative index cannot even be put into a request.
        Assert.Throws<ArgumentOutOfRangeException>(() => TlbFlushRequest.For(-1));
    }

    private static void WaitUntil(Func<bool> condition)
    {
        long deadline = Environment.TickCount64 + (long)s_wait.TotalMilliseconds;
        while (!condition())
        {
            Assert.True(Environment.TickCount64 < deadline, "condition not reached");
            Thread.Sleep(1);
        }
    }

    private sealed class Rig : IDisposable, IVcpuThreadOwner
    {
        private volatile bool _stop;

        public Rig(int count, bool start = true)
        {
            Processors = Enumerable.Range(0, count).Select(i => new FakeVirtualProcessor { Index = i }).ToArray();
            Threads = Processors.Select(p => new VcpuThread(p, new NullExitHandler(), this)).ToArray();
            Engine = new TlbFlushEngine(Threads);
            if (start)
            {
                StartAll();
            }
        }

        public FakeVirtualProcessor[] Processors { get; }

        public VcpuThread[] Threads { get; }

        public TlbFlushEngine Engine { get; }

        public bool StopRequested => _stop;

        public void StartAll()
        {
            foreach (VcpuThread t in Threads)
            {
                t.Start();
            }
        }

        public void OnVcpuStopped(int processorIndex, VcpuRunResult result)
        {
        }

        public void OnVcpuFailed(int processorIndex, Exception exception)
        {
        }

        public void Dispose()
        {
            _stop = true;
            foreach (VcpuThread t in Threads)
            {
                t.Kick();
                t.Join(s_wait);
            }

            foreach (FakeVirtualProcessor p in Processors)
            {
                p.Dispose();
            }
        }
    }
}

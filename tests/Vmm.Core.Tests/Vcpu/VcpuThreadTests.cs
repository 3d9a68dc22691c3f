using Vmm.Core.Hypervisor;
using Vmm.Core.Vcpu;

namespace Vmm.Core.Tests.Vcpu;

public sealed class VcpuThreadTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    [Fact]
    public void EveryKickIsAcknowledgedInOrder()
    {
        var owner = new Owner();
        using var vp = new FakeVirtualProcessor();
        var thread = new VcpuThread(vp, new NullExitHandler(), owner);
        thread.Start();
        for (int i = 1; i <= 200; i++)
        {
            long sequence = thread.Kick();
            Assert.Equal(i, sequence);
            Assert.True(thread.WaitForKickAcknowledged(sequence, s_wait), $"kick {i} was lost");
        }

        owner.Stop = true;
        thread.Kick();
        Assert.True(thread.Join(s_wait));
        Assert.True(thread.KickAcknowledged >= 200);
        Assert.True(vp.Released);
    }

    [Fact]
    public void RunsOnItsOwnNamedThreadAndReportsShutdownToTheOwner()
    {
        var owner = new Owner();
        using var vp = new FakeVirtualProcessor { Index = 3 };
        vp.Enqueue(_ => VcpuRunResult.Continue);
        vp.Enqueue(_ => VcpuRunResult.Shutdown("triple fault"));
        var thread = new VcpuThread(vp, new NullExitHandler(), owner);
        thread.Start();
        Assert.True(thread.Join(s_wait));
        Assert.NotEqual(Environment.CurrentManagedThreadId, vp.PreparedThreadId);
        Assert.Equal((3, VcpuExitKind.Shutdown, "triple fault"), (owner.StoppedIndex, owner.StoppedResult.Kind, owner.StoppedResult.Diagnostic));
        Assert.Equal(2, thread.Exits);
    }

    [Fact]
    public void AHostExceptionInTheLoopIsReportedNotThrown()
    {
        var owner = new Owner();
        using var vp = new FakeVirtualProcessor { Index = 1 };
        vp.Enqueue(_ => throw new InvalidOperationException("backend bug"));
        var thread = new VcpuThread(vp, new NullExitHandler(), owner);
        thread.Start();
        Assert.True(thread.Join(s_wait));
        Assert.IsType<InvalidOperationException>(owner.Failure);
        Assert.True(vp.Released);
    }

    [Fact]
    public void WaitingForAKickOfAStoppedThreadTimesOutInsteadOfHanging()
    {
        var owner = new Owner();
        using var vp = new FakeVirtualProcessor();
        vp.Enqueue(_ => VcpuRunResult.Fault("entry failed"));
        var thread = new VcpuThread(vp, new NullExitHandler(), owner);
        thread.Start();
        Assert.True(thread.Join(s_wait));
        long sequence = thread.Kick();
        Assert.False(thread.WaitForKickAcknowledged(sequence, TimeSpan.FromMilliseconds(200)));
    }

    private sealed class Owner : IVcpuThreadOwner
    {
        public volatile bool Stop;

        public int StoppedIndex { get; private set; } = -1;

        public VcpuRunResult StoppedResult { get; private set; }

        public Exception? Failure { get; private set; }

        public bool StopRequested => Stop;

        public void OnVcpuStopped(int processorIndex, VcpuRunResult result)
        {
            StoppedIndex = processorIndex;
            StoppedResult = result;
        }

        public void OnVcpuFailed(int processorIndex, Exception exception) => Failure = exception;
    }
}

using Vmm.Core.TlbFlush;

namespace Vmm.Core.Tests.TlbFlush;

public sealed class TlbFlushStrategySelectorTests
{
    [Theory]
    [InlineData(TlbFlushStrategy.KickAndWait)]
    [InlineData(TlbFlushStrategy.PlatformWide)]
    public void ANamedStrategyIsKeptWithoutProbing(TlbFlushStrategy named)
    {
        int probes = 0;
        TlbFlushStrategyChoice choice = TlbFlushStrategySelector.Choose(named, 8, 2, false, () => ++probes > 0);
        Assert.Equal((named, false, 0), (choice.Strategy, choice.Automatic, probes));
    }

    [Fact]
    public void AutoChoosesThePlatformWideFlushWhenTheVcpusOutnumberTheHostCpus()
    {
        int probes = 0;
        TlbFlushStrategyChoice choice = TlbFlushStrategySelector.Choose(TlbFlushStrategy.Auto, 8, 2, false, () => ++probes > 0);
        Assert.Equal((TlbFlushStrategy.PlatformWide, true), (choice.Strategy, choice.Automatic));
        Assert.Equal(TlbFlushStrategySelector.ProbeFlushes, probes);
        Assert.StartsWith("8 vCPUs on 2 host CPUs, platform-wide flush ", choice.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(1, 4)]
    public void AutoKicksWhenEveryVcpuCanHaveAHostCpu(int vcpus, int hostCpus)
    {
        TlbFlushStrategyChoice choice = TlbFlushStrategySelector.Choose(TlbFlushStrategy.Auto, vcpus, hostCpus, false, () => true);
        Assert.Equal(TlbFlushStrategy.KickAndWait, choice.Strategy);
        Assert.Contains("kicked targets are on a CPU", choice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AutoKicksWithoutProbingWhereThePlatformReportsPreemptedVcpus()
    {
        int probes = 0;
        TlbFlushStrategyChoice choice = TlbFlushStrategySelector.Choose(TlbFlushStrategy.Auto, 8, 2, true, () => ++probes > 0);
        Assert.Equal((TlbFlushStrategy.KickAndWait, true, 0), (choice.Strategy, choice.Automatic, probes));
        Assert.Contains("preempted", choice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AutoKicksWhenThePlatformHasNoPlatformWideFlush()
    {
        TlbFlushStrategyChoice choice = TlbFlushStrategySelector.Choose(TlbFlushStrategy.Auto, 8, 2, false, () => false);
        Assert.Equal((TlbFlushStrategy.KickAndWait, "no platform-wide flush here"), (choice.Strategy, choice.Reason));
    }

    [Fact]
    public void AutoKicksWhenThePlatformWideFlushIsTooSlow()
    {
        TlbFlushStrategyChoice choice = TlbFlushStrategySelector.Choose(TlbFlushStrategy.Auto, 8, 2, false, () =>
        {
            Thread.Sleep(TlbFlushStrategySelector.MaxPlatformFlush * 3);
            return true;
        });
        Assert.Equal(TlbFlushStrategy.KickAndWait, choice.Strategy);
        Assert.Contains("slower than 10 ms", choice.Reason, StringComparison.Ordinal);
    }
}

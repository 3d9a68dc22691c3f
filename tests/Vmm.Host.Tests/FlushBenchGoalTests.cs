using Vmm.Host.Cli;

namespace Vmm.Host.Tests;

/// <summary>The goal ratios `vmm bench flush` prints after its table, computed from the rows of the run.</summary>
public sealed class FlushBenchGoalTests
{
    private static FlushBenchRow Pv(int cpus, string strategy, double p99) => new(cpus, "pv", strategy, 1, 1, p99, p99, 200, 0, 0, 0);

    private static FlushBenchRow Ipi(int cpus, double p99) => new(cpus, "ipi", null, 1, 1, p99, p99, 200, 0, 0, 0);

    [Fact]
    public void AtEightVcpusEachStrategyGetsBothRatiosWithItsVerdict()
    {
        FlushBenchGoal[] goals = [.. FlushBenchGoal.Compute([
            Pv(2, "kick", 100), Pv(2, "memslot", 100), Ipi(2, 500),
            Pv(8, "kick", 1000), Pv(8, "memslot", 200), Ipi(8, 2000),
            Pv(16, "kick", 1), Pv(16, "memslot", 1), Ipi(16, 1e9)])];
        Assert.Equal(
            [
                "IPI p99 / PV p99 at 8 vCPUs (kick): 2.00, goal ≥ 5: missed",
                "PV p99 at 8 / PV p99 at 2 vCPUs (kick): 10.00, goal ≤ 3: missed",
                "IPI p99 / PV p99 at 8 vCPUs (memslot): 10.00, goal ≥ 5: met",
                "PV p99 at 8 / PV p99 at 2 vCPUs (memslot): 2.00, goal ≤ 3: met",
            ],
            goals.Select(g => g.ToString()));
    }

    [Fact]
    public void WithoutEightTheLargestCountAboveEightIsJudged()
    {
        FlushBenchGoal[] goals = [.. FlushBenchGoal.Compute([Pv(2, "memslot", 100), Pv(12, "memslot", 300), Ipi(12, 3000), Pv(16, "memslot", 250), Ipi(16, 4000)])];
        Assert.Equal(["IPI p99 / PV p99 at 16 vCPUs", "PV p99 at 16 / PV p99 at 2 vCPUs"], goals.Select(g => g.Name));
        Assert.All(goals, g => Assert.True(g.Met));
    }

    [Fact]
    public void AutoRowsAreComparedAcrossWhatTheProbeChoseAtEachCount()
    {
        FlushBenchGoal[] goals = [.. FlushBenchGoal.Compute([Pv(2, "auto:kick", 100), Pv(8, "auto:memslot", 250), Pv(8, "kick", 900)])];
        Assert.Equal(["PV p99 at 8 / PV p99 at 2 vCPUs (auto:kick at 2, auto:memslot at 8): 2.50, goal ≤ 3: met"], goals.Select(g => g.ToString()));
    }

    [Fact]
    public void RatiosWhoseRowsWereNotMeasuredAreLeftOut()
    {
        Assert.Empty(FlushBenchGoal.Compute([Pv(2, "kick", 100), Ipi(2, 100), Pv(4, "kick", 100), Ipi(4, 100)]));
        Assert.Equal(["PV p99 at 8 / PV p99 at 2 vCPUs"], FlushBenchGoal.Compute([Pv(2, "kick", 100), Pv(8, "kick", 100)]).Select(g => g.Name));
        Assert.Equal(["IPI p99 / PV p99 at 8 vCPUs"], FlushBenchGoal.Compute([Pv(8, "kick", 100), Ipi(8, 100)]).Select(g => g.Name));
    }
}

using Vmm.Core.Boot.X86;
using Vmm.HyperV.Cpuid;

namespace Vmm.Guests.Tests;

public sealed class TlbStormGuestTests
{
    [Theory]
    [MemberData(nameof(TlbCoherenceGuestTests.ProfilesAndCpus), MemberType = typeof(TlbCoherenceGuestTests))]
    public void BuildsBelowTheStacksAndCyclesTheVariantsTlbCoherenceDoes(string profile, int cpus)
    {
        var context = new GuestBuildContext(cpus, 64UL << 20, hyperV: HyperVFeatureProfile.Parse(profile));
        AssertBuilds(context);
        Assert.Equal(TlbCoherenceGuest.VariantNames(context), TlbStormGuest.VariantNames(context));
    }

    [Fact]
    public void BuildsForSixtyFourVcpusAndVpIndicesInSparseBanks()
    {
        AssertBuilds(new GuestBuildContext(64, 64UL << 20, hyperV: HyperVFeatureProfile.Windows));
        var sparse = new GuestBuildContext(4, 64UL << 20, hyperV: HyperVFeatureProfile.Windows, vpIndices: [0, 1, 65, 4095]);
        AssertBuilds(sparse);
        Assert.Equal(
            ["space-all", "space-ex", "space-ex-all", "list-ex", "space-all-xmm", "space-ex-xmm", "space-ex-all-xmm", "list-ex-xmm"],
            TlbStormGuest.VariantNames(sparse));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(65)]
    public void NeedsFromTwoToSixtyFourVcpus(int cpus)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => new TlbStormGuest().Build(new GuestBuildContext(cpus, 256UL << 20, hyperV: HyperVFeatureProfile.Windows)));
        Assert.Contains("from 2 to 64 vCPUs", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("linux,-tlbflush")]
    public void RefusesAProfileWithoutTheFlushHypercalls(string profile)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => new TlbStormGuest().Build(new GuestBuildContext(2, 64UL << 20, hyperV: HyperVFeatureProfile.Parse(profile))));
        Assert.Contains("--hv", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rounds", "0")]
    [InlineData("rounds", "1000001")]
    [InlineData("passes", "0")]
    [InlineData("window", "0")]
    [InlineData("min-observed", "-1")]
    [InlineData("min-observed", "10001")]
    public void OutOfRangeArgumentsAreRejectedWithTheirName(string key, string value)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => new TlbStormGuest().Build(
            new GuestBuildContext(2, 64UL << 20, new Dictionary<string, string> { [key] = value }, HyperVFeatureProfile.Windows)));
        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(8)]
    [InlineData(64)]
    public void RefusesLessMemoryThanItsTablesAndStacksNeed(int cpus)
    {
        ulong needed = TlbStormGuest.MemoryNeeded(cpus);
        ArgumentException e = Assert.Throws<ArgumentException>(() => new TlbStormGuest().Build(new GuestBuildContext(cpus, needed - 0x1000, hyperV: HyperVFeatureProfile.Windows)));
        Assert.Contains("MiB of memory", e.Message, StringComparison.Ordinal);
        _ = new TlbStormGuest().Build(new GuestBuildContext(cpus, needed, hyperV: HyperVFeatureProfile.Windows));
        Assert.True(needed <= LongModeLayout.MinimumMemory, "the storm fits in the smallest VM vmm makes");
    }

    [Theory]
    [InlineData(new string[0], "rounds=10000\0passes=16\0window=16\0min-observed=156\0")]
    [InlineData(new[] { "rounds=1000", "window=4" }, "rounds=1000\0passes=16\0window=4\0min-observed=62\0")]
    [InlineData(new[] { "min-observed=0" }, "rounds=10000\0passes=16\0window=16\0min-observed=0\0")]
    public void TheGuestGetsItsArgumentsWithTheDefaultMinObservedFilledIn(string[] given, string expected)
    {
        var arguments = given.Select(a => a.Split('=')).ToDictionary(a => a[0], a => a[1]);
        var context = new GuestBuildContext(2, 64UL << 20, arguments, HyperVFeatureProfile.Windows);
        Assert.Contains(expected, System.Text.Encoding.ASCII.GetString(new TlbStormGuest().Build(context).Code), StringComparison.Ordinal);
    }

    private static void AssertBuilds(GuestBuildContext context) => TlbCoherenceGuestTests.AssertCGuestImage(new TlbStormGuest().Build(context), context);
}

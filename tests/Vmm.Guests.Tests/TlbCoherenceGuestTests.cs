using Vmm.Core.Boot.X86;
using Vmm.HyperV.Cpuid;

namespace Vmm.Guests.Tests;

public sealed class TlbCoherenceGuestTests
{
    public static TheoryData<string, int> ProfilesAndCpus
    {
        get
        {
            var data = new TheoryData<string, int>();
            foreach (string profile in new[] { "linux", "windows", "linux,+time,+ipi", "windows,+time,+frequencies,+ipi,+reset,+idle" })
            {
                for (int cpus = 2; cpus <= 16; cpus++)
                {
                    data.Add(profile, cpus);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(ProfilesAndCpus))]
    public void AssemblesForEveryProfileAndVcpuCount(string profile, int cpus)
    {
        HyperVFeatureProfile p = HyperVFeatureProfile.Parse(profile);
        var context = new GuestBuildContext(cpus, 64UL << 20, hyperV: p);
        GuestImage image = new TlbCoherenceGuest().Build(context);
        Assert.Equal(LongModeLayout.ImageBase, image.Entry);
        Assert.InRange(image.Code.Length, 16, (int)(GuestCodeBuilder.DataBase - LongModeLayout.ImageBase));
        Assert.Equal([6], image.InterruptGates.Keys);
        string[] expected = p.Has(HyperVFeature.TlbFlushEx)
            ? ["space", "space-all", "list", "space-ex", "space-ex-all", "list-ex"]
            : ["space", "space-all", "list"];
        if (p.Has(HyperVFeature.XmmInput))
        {
            expected = [.. expected, .. expected.Select(v => v + "-xmm")];
        }

        Assert.Equal(expected, TlbCoherenceGuest.VariantNames(context));
    }

    [Fact]
    public void VpIndicesAboveSixtyThreeLeaveOnlyTheCallsThatCanNameThem()
    {
        var context = new GuestBuildContext(4, 64UL << 20, hyperV: HyperVFeatureProfile.Parse("windows,-xmm"), vpIndices: [0, 1, 65, 4095]);
        Assert.Equal(["space-all", "space-ex", "space-ex-all", "list-ex"], TlbCoherenceGuest.VariantNames(context));
        _ = new TlbCoherenceGuest().Build(context);
    }

    [Fact]
    public void XmmFastFormsAreAddedOnlyWhenTheProfileOffersXmmInputAndTheSetFitsInTheRegisters()
    {
        var fits = new GuestBuildContext(4, 64UL << 20, hyperV: HyperVFeatureProfile.Windows, vpIndices: [0, 1, 65, 4095]);
        Assert.Equal(
            ["space-all", "space-ex", "space-ex-all", "list-ex", "space-all-xmm", "space-ex-xmm", "space-ex-all-xmm", "list-ex-xmm"],
            TlbCoherenceGuest.VariantNames(fits));

        // Ten banks: a sparse Ex list needs 16 + 16 + 80 + 8 = 120 bytes, more than RDX, R8 and XMM0-XMM5 hold.
        int[] tenBanks = [.. Enumerable.Range(0, 10).Select(b => b * 64)];
        var tooMany = new GuestBuildContext(10, 256UL << 20, hyperV: HyperVFeatureProfile.Windows, vpIndices: tenBanks);
        Assert.Equal(
            ["space-all", "space-ex", "space-ex-all", "list-ex", "space-all-xmm", "space-ex-all-xmm"],
            TlbCoherenceGuest.VariantNames(tooMany));
        _ = new TlbCoherenceGuest().Build(tooMany);
    }

    [Fact]
    public void AssemblesForSixtyFourVcpus()
    {
        var context = new GuestBuildContext(64, 64UL << 20, hyperV: HyperVFeatureProfile.Windows);
        GuestImage image = new TlbCoherenceGuest().Build(context);
        Assert.InRange(image.Code.Length, 16, (int)(GuestCodeBuilder.DataBase - LongModeLayout.ImageBase));
        Assert.Throws<ArgumentException>(() => new TlbCoherenceGuest().Build(new GuestBuildContext(65, 64UL << 20, hyperV: HyperVFeatureProfile.Windows)));
    }

    [Fact]
    public void OneVcpuIsRefusedWhenTheGuestIsBuiltNotWhenItRuns()
    {
        // vCPU 0 flushes the others: with no other vCPU there is nothing to prove, and vmm run says so before it
        // opens a hypervisor (it builds the guest once to check it).
        ArgumentException e = Assert.Throws<ArgumentException>(() => new TlbCoherenceGuest().Build(new GuestBuildContext(1, 64UL << 20, hyperV: HyperVFeatureProfile.Linux)));
        Assert.Contains("needs from 2 to 64 vCPUs", e.Message, StringComparison.Ordinal);
        _ = new TlbCoherenceGuest().Build(new GuestBuildContext(2, 64UL << 20, hyperV: HyperVFeatureProfile.Linux));
    }

    [Theory]
    [InlineData("none")]
    [InlineData("linux,-tlbflush")]
    public void RefusesAProfileWithoutTheFlushHypercalls(string profile)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => new TlbCoherenceGuest().Build(new GuestBuildContext(2, 64UL << 20, hyperV: HyperVFeatureProfile.Parse(profile))));
        Assert.Contains("--hv", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rounds", "0")]
    [InlineData("omit", "0")]
    [InlineData("omit", "64")]
    [InlineData("seed", "-1")]
    public void OutOfRangeArgumentsAreRejectedWithTheirName(string key, string value)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => new TlbCoherenceGuest().Build(
            new GuestBuildContext(2, 64UL << 20, new Dictionary<string, string> { [key] = value }, HyperVFeatureProfile.Windows)));
        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesTooLittleMemory()
    {
        Assert.Throws<ArgumentException>(() => new TlbCoherenceGuest().Build(new GuestBuildContext(16, 2UL << 20, hyperV: HyperVFeatureProfile.Windows)));
    }
}

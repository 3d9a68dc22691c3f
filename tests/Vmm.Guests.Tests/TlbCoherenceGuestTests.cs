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
    public void BuildsForEveryProfileAndVcpuCount(string profile, int cpus)
    {
        HyperVFeatureProfile p = HyperVFeatureProfile.Parse(profile);
        var context = new GuestBuildContext(cpus, 64UL << 20, hyperV: p);
        AssertCGuestImage(new TlbCoherenceGuest().Build(context), context);
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
    public void BuildsForSixtyFourVcpus()
    {
        var context = new GuestBuildContext(64, 64UL << 20, hyperV: HyperVFeatureProfile.Windows);
        AssertCGuestImage(new TlbCoherenceGuest().Build(context), context);
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
        Assert.Throws<ArgumentException>(() => new TlbCoherenceGuest().Build(new GuestBuildContext(32, 2UL << 20, hyperV: HyperVFeatureProfile.Windows)));
        ulong needed = TlbCoherenceGuest.MemoryNeeded(64);
        ArgumentException e = Assert.Throws<ArgumentException>(() => new TlbCoherenceGuest().Build(new GuestBuildContext(64, needed - 0x1000, hyperV: HyperVFeatureProfile.Windows)));
        Assert.Contains("MiB of memory", e.Message, StringComparison.Ordinal);
        _ = new TlbCoherenceGuest().Build(new GuestBuildContext(64, needed, hyperV: HyperVFeatureProfile.Windows));
    }

    [Theory]
    [InlineData(new string[0], "rounds=10000\0seed=1\0omit=0\0")]
    [InlineData(new[] { "rounds=1_000", "seed=0", "omit=3" }, "rounds=1000\0seed=0\0omit=3\0")]
    public void TheGuestGetsItsArgumentsCheckedWithDefaultsFilledIn(string[] given, string expected)
    {
        var arguments = given.Select(a => a.Split('=')).ToDictionary(a => a[0], a => a[1]);
        var context = new GuestBuildContext(4, 64UL << 20, arguments, HyperVFeatureProfile.Windows);
        Assert.Contains(expected, System.Text.Encoding.ASCII.GetString(new TlbCoherenceGuest().Build(context).Code), StringComparison.Ordinal);
    }

    /// <summary>A C guest's image: parameter page at the image base (vCPU count filled in), code from the next page, the end below the stacks.</summary>
    internal static void AssertCGuestImage(GuestImage image, GuestBuildContext context)
    {
        Assert.Equal(LongModeLayout.ImageBase + 0x1000, image.Entry);
        Assert.InRange(image.Code.Length, 0x1010, (int)(LongModeLayout.StacksBottom(context.MemorySize, context.ProcessorCount) - LongModeLayout.ImageBase));
        Assert.Equal(CGuestImage.ParamsMagic, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(image.Code));
        Assert.Equal((uint)context.ProcessorCount, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(image.Code.AsSpan(8)));
    }
}

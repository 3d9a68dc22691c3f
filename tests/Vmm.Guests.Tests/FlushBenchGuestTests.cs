using Iced.Intel;
using Vmm.Core.Boot.X86;
using Vmm.HyperV.Cpuid;

namespace Vmm.Guests.Tests;

public sealed class FlushBenchGuestTests
{
    [Theory]
    [InlineData("pv", 2)]
    [InlineData("pv", 64)]
    [InlineData("ipi", 1)]
    [InlineData("ipi", 2)]
    [InlineData("ipi", 16)]
    [InlineData("ipi", 64)]
    public void AssemblesInEachModeUpToSixtyFourVcpus(string mode, int cpus)
    {
        GuestImage image = Build(cpus, new() { ["mode"] = mode });
        Assert.Equal(LongModeLayout.ImageBase, image.Entry);
        Assert.InRange(image.Code.Length, 16, (int)(GuestCodeBuilder.DataBase - LongModeLayout.ImageBase));
        Assert.Throws<ArgumentException>(() => Build(65, new() { ["mode"] = mode }));
    }

    [Fact]
    public void IpiModeInstallsTheIpiAndUdGatesAndPvModeNone()
    {
        Assert.Equal(new byte[] { 6, FlushBenchGuest.IpiVector }, Build(4, new() { ["mode"] = "ipi" }).InterruptGates.Keys.Order().ToArray());
        Assert.Empty(Build(4, []).InterruptGates);
    }

    [Fact]
    public void PerTargetSendingWritesTheIcrOncePerTargetExceptTheSkippedOne()
    {
        // Six WRMSRs are always there: APIC base, SVR and three LVT masks in the x2APIC set-up every vCPU runs, EOI in
        // the IPI handler.
        Assert.Equal(6 + 7, Wrmsrs(8, new() { ["mode"] = "ipi", ["ipisend"] = "each" }));
        Assert.Equal(6 + 6, Wrmsrs(8, new() { ["mode"] = "ipi", ["ipiskip"] = "3" }));
        Assert.Equal(6 + 1, Wrmsrs(8, new() { ["mode"] = "ipi" }));
        Assert.Equal(6 + 1, Wrmsrs(64, new() { ["mode"] = "ipi", ["ipisend"] = "allbutself" }));
    }

    [Theory]
    [InlineData("mode", "foo", "pv, ipi")]
    [InlineData("ipisend", "some", "allbutself, each")]
    [InlineData("ipiskip", "0", "ipiskip")]
    [InlineData("ipiskip", "4", "ipiskip")]
    [InlineData("rounds", "0", "rounds")]
    public void BadArgumentsAreRejectedWithAClearMessage(string key, string value, string expected)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => Build(4, new() { ["mode"] = "ipi", [key] = value }));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SkippingATargetNeedsPerTargetSending()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => Build(4, new() { ["mode"] = "ipi", ["ipisend"] = "allbutself", ["ipiskip"] = "2" }));
        Assert.Contains("ipisend=each", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ipisend", "each")]
    [InlineData("ipiskip", "1")]
    public void IpiArgumentsAreRefusedInPvMode(string key, string value)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => Build(4, new() { [key] = value }));
        Assert.Contains("mode=ipi", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OnlyPvModeNeedsTheFlushHypercalls()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => new FlushBenchGuest().Build(new GuestBuildContext(2, 64UL << 20, hyperV: HyperVFeatureProfile.None)));
        Assert.Contains("--hv", e.Message, StringComparison.Ordinal);
        _ = new FlushBenchGuest().Build(new GuestBuildContext(2, 64UL << 20, new Dictionary<string, string> { ["mode"] = "ipi" }, HyperVFeatureProfile.None));
    }

    private static int Wrmsrs(int cpus, Dictionary<string, string> arguments)
    {
        GuestImage image = Build(cpus, arguments);
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(image.Code), image.Base);
        int count = 0;
        while (decoder.IP < image.Base + (ulong)image.Code.Length)
        {
            count += decoder.Decode().Code == Code.Wrmsr ? 1 : 0;
        }

        return count;
    }

    private static GuestImage Build(int cpus, Dictionary<string, string> arguments) =>
        new FlushBenchGuest().Build(new GuestBuildContext(cpus, 64UL << 20, arguments, HyperVFeatureProfile.Linux));
}

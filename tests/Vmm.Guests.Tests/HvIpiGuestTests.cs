using Vmm.Core.Boot.X86;
using Vmm.HyperV.Cpuid;

namespace Vmm.Guests.Tests;

public sealed class HvIpiGuestTests
{
    [Theory]
    [InlineData("windows,+ipi", 2)]
    [InlineData("windows,+ipi", 4)]
    [InlineData("windows,+ipi", 64)]
    [InlineData("linux,+ipi", 3)]
    [InlineData("windows,+ipi,-xmm", 8)]
    public void BuildsTheCGuestBelowTheStacksWithItsParameterPage(string profile, int cpus)
    {
        var context = new GuestBuildContext(cpus, 64UL << 20, hyperV: HyperVFeatureProfile.Parse(profile));
        GuestImage image = new HvIpiGuest().Build(context);
        Assert.Equal(LongModeLayout.ImageBase + 0x1000, image.Entry);
        Assert.InRange(image.Code.Length, 0x1010, (int)(LongModeLayout.StacksBottom(64UL << 20, cpus) - LongModeLayout.ImageBase));
        Assert.Equal(CGuestImage.ParamsMagic, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(image.Code));
        Assert.Equal((uint)cpus, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(image.Code.AsSpan(8)));
    }

    [Fact]
    public void WindowsWithIpiCyclesThroughEveryFormIncludingExAndXmm()
    {
        var context = new GuestBuildContext(4, 64UL << 20, hyperV: HyperVFeatureProfile.Parse("windows,+ipi"));
        Assert.Equal(["ipi", "ipi-fast", "ipi-ex", "ipi-ex-all", "ipi-ex-xmm", "ipi-ex-all-xmm"], HvIpiGuest.VariantNames(context));
    }

    [Fact]
    public void LinuxWithIpiHasOnlyTheNonExForms()
    {
        var context = new GuestBuildContext(3, 64UL << 20, hyperV: HyperVFeatureProfile.Parse("linux,+ipi"));
        Assert.Equal(["ipi", "ipi-fast"], HvIpiGuest.VariantNames(context));
    }

    [Fact]
    public void VpIndicesAboveSixtyThreeLeaveOnlyTheExForms()
    {
        var context = new GuestBuildContext(4, 64UL << 20, hyperV: HyperVFeatureProfile.Parse("windows,+ipi"), vpIndices: [0, 1, 65, 4095]);
        Assert.Equal(["ipi-ex", "ipi-ex-all", "ipi-ex-xmm", "ipi-ex-all-xmm"], HvIpiGuest.VariantNames(context));
        _ = new HvIpiGuest().Build(context);
    }

    [Fact]
    public void TheSparseXmmFormIsDroppedWhenTheBanksDoNotFitInTheRegisters()
    {
        // 12 banks: 24 + 8 * 12 = 120 bytes > the 112 of RDX, R8, XMM0-XMM5.
        int[] vps = [.. Enumerable.Range(0, 12).Select(b => b * 64)];
        var context = new GuestBuildContext(12, 64UL << 20, hyperV: HyperVFeatureProfile.Parse("windows,+ipi"), vpIndices: vps);
        Assert.Equal(["ipi-ex", "ipi-ex-all", "ipi-ex-all-xmm"], HvIpiGuest.VariantNames(context));
    }

    [Theory]
    [InlineData(null, "wait=4294967296\0")]
    [InlineData("68719476736", "wait=68719476736\0")]
    public void TheGuestGetsTheWaitItReportsMissingInterruptsAfter(string? wait, string report)
    {
        var arguments = wait is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["wait"] = wait };
        var context = new GuestBuildContext(4, 64UL << 20, arguments, HyperVFeatureProfile.Parse("windows,+ipi"));
        string image = System.Text.Encoding.ASCII.GetString(new HvIpiGuest().Build(context).Code);
        Assert.Contains(report, image, StringComparison.Ordinal);
    }

    [Fact]
    public void AProfileWithoutIpiIsRejectedNamingTheFeature()
    {
        var context = new GuestBuildContext(4, 64UL << 20, hyperV: HyperVFeatureProfile.Parse("windows"));
        ArgumentException e = Assert.Throws<ArgumentException>(() => new HvIpiGuest().Build(context));
        Assert.Contains("'ipi'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(65)]
    public void VcpuCountsOutsideTwoToSixtyFourAreRejected(int cpus)
    {
        var context = new GuestBuildContext(cpus, 64UL << 20, hyperV: HyperVFeatureProfile.Parse("windows,+ipi"));
        ArgumentException e = Assert.Throws<ArgumentException>(() => new HvIpiGuest().Build(context));
        Assert.Contains("2 to 64 vCPUs", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rounds", "0")]
    [InlineData("rounds", "x")]
    [InlineData("skipvp", "0")]
    [InlineData("skipvp", "4")]
    public void ArgumentsOutOfRangeAreRejected(string name, string value)
    {
        var context = new GuestBuildContext(4, 64UL << 20, new Dictionary<string, string> { [name] = value }, HyperVFeatureProfile.Parse("windows,+ipi"));
        ArgumentException e = Assert.Throws<ArgumentException>(() => new HvIpiGuest().Build(context));
        Assert.Contains($"guest argument {name}={value}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IsRegisteredAsABuiltInGuest()
    {
        Assert.True(BuiltInGuests.TryGet("hvipi", out IBuiltInGuest guest));
        Assert.IsType<HvIpiGuest>(guest);
    }
}

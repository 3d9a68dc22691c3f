using Vmm.HyperV.Cpuid;
using Xunit;

namespace Vmm.HyperV.Tests.Cpuid;

public sealed class HyperVFeatureProfileTests
{
    private const HyperVFeature LinuxSet =
        HyperVFeature.Hypercall | HyperVFeature.VpIndex | HyperVFeature.TlbFlush | HyperVFeature.Spinlocks;

    public static TheoryData<string, HyperVFeature> NamedProfiles => new()
    {
        { "linux", LinuxSet },
        { "LINUX", LinuxSet },
        { "  linux  ", LinuxSet },
        { "windows", LinuxSet | HyperVFeature.Relaxed | HyperVFeature.TlbFlushEx | HyperVFeature.XmmInput },
        { "none", HyperVFeature.None },
    };

    public static TheoryData<string, HyperVFeature> Edits => new()
    {
        { "linux,+ipi", LinuxSet | HyperVFeature.Ipi },
        { "linux,ipi", LinuxSet | HyperVFeature.Ipi },
        { "linux, +time ,+frequencies", LinuxSet | HyperVFeature.Time | HyperVFeature.Frequencies },
        { "linux,-spinlocks", LinuxSet & ~HyperVFeature.Spinlocks },
        { "linux,-tlbflush", HyperVFeature.Hypercall | HyperVFeature.VpIndex | HyperVFeature.Spinlocks },
        { "linux,+ipi,-ipi", LinuxSet },
        { "linux,-relaxed", LinuxSet },
        { "linux,-vpindex,+vpindex", LinuxSet },
        { "windows,-tlbflush-ex", LinuxSet | HyperVFeature.Relaxed | HyperVFeature.XmmInput },
        { "none,+xmm", HyperVFeature.Hypercall | HyperVFeature.XmmInput },
        { "linux,+extended-ranges", LinuxSet | HyperVFeature.ExtendedGvaRanges },
        { "none,+relaxed", HyperVFeature.Relaxed },
        { "relaxed", HyperVFeature.Relaxed },
        { "vpindex,tlbflush", HyperVFeature.VpIndex | HyperVFeature.TlbFlush | HyperVFeature.Hypercall },        // hypercall implied
        { "vpindex,ipi", HyperVFeature.VpIndex | HyperVFeature.Ipi | HyperVFeature.Hypercall },
        { "spinlocks", HyperVFeature.Spinlocks | HyperVFeature.Hypercall },
        { "vpassist,reset,idle,time", HyperVFeature.VpAssist | HyperVFeature.Reset | HyperVFeature.Idle | HyperVFeature.Time },
        { "linux,-hypercall,-tlbflush,-spinlocks", HyperVFeature.VpIndex },
    };

    [Theory]
    [MemberData(nameof(NamedProfiles))]
    public void ParsesProfileNames(string spec, HyperVFeature expected)
    {
        HyperVFeatureProfile profile = HyperVFeatureProfile.Parse(spec);

        Assert.Equal(expected, profile.Features);
        Assert.Equal(expected != HyperVFeature.None, profile.IsEnabled);
    }

    [Theory]
    [MemberData(nameof(Edits))]
    public void AppliesPlusAndMinusEditsLeftToRight(string spec, HyperVFeature expected)
    {
        Assert.Equal(expected, HyperVFeatureProfile.Parse(spec).Features);
    }

    [Theory]
    [InlineData("spinlocks", 0xFFFF_FFFFu)]
    [InlineData("spinlocks=4095", 0xFFFu)]
    [InlineData("linux,spinlocks=0x1FFF", 0x1FFFu)]
    [InlineData("linux,+spinlocks = 0XFFF", 0xFFFu)]
    [InlineData("linux,spinlocks=0x1fff,-spinlocks,+spinlocks", 0x1FFFu)] // the count survives an off/on
    [InlineData("linux,-spinlocks", 0u)]                                  // off: field not reported
    [InlineData("none", 0u)]
    public void SpinlocksTakeAnOptionalRetryCount(string spec, uint expected)
    {
        Assert.Equal(expected, HyperVFeatureProfile.Parse(spec).SpinlockRetryCount);
    }

    [Theory]
    [InlineData("linux,+foo", "foo")]
    [InlineData("bogus", "bogus")]
    [InlineData("linux,tlbflush-ext", "tlbflush-ext")]
    [InlineData("linux,-hv-relaxed", "hv-relaxed")]
    [InlineData("+", "")]
    public void RejectsUnknownFeaturesListingTheValidNames(string spec, string unknown)
    {
        Assert.False(HyperVFeatureProfile.TryParse(spec, out HyperVFeatureProfile? profile, out string? error));

        Assert.Null(profile);
        Assert.Contains($"Unknown Hyper-V feature '{unknown}'", error, StringComparison.Ordinal);
        foreach (string name in HyperVFeatureProfile.FeatureNames.Concat(HyperVFeatureProfile.ProfileNames))
        {
            Assert.Contains(name, error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("", "Empty Hyper-V profile")]
    [InlineData("   ", "Empty Hyper-V profile")]
    [InlineData(null, "Empty Hyper-V profile")]
    [InlineData("linux,,ipi", "Empty item")]
    [InlineData("linux,", "Empty item")]
    [InlineData("relaxed,linux", "must be the first item")]
    [InlineData("linux,windows", "must be the first item")]
    [InlineData("relaxed=1", "takes no value")]
    [InlineData("linux,-spinlocks=5", "takes no value")]
    [InlineData("spinlocks=abc", "Invalid spinlock retry count")]
    [InlineData("spinlocks=", "Invalid spinlock retry count")]
    [InlineData("spinlocks=-1", "Invalid spinlock retry count")]
    [InlineData("spinlocks=0x1FFFFFFFF", "Invalid spinlock retry count")]
    [InlineData("spinlocks=0", "ambiguous")]
    public void RejectsMalformedSpecs(string? spec, string message)
    {
        Assert.False(HyperVFeatureProfile.TryParse(spec, out _, out string? error));

        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tlbflush", "'tlbflush' needs 'vpindex', which is off")]
    [InlineData("ipi", "'ipi' needs 'vpindex', which is off")]
    [InlineData("vpindex,tlbflush-ex", "'tlbflush-ex' needs 'tlbflush', which is off")]
    [InlineData("linux,-vpindex", "'tlbflush' needs 'vpindex', which '-vpindex' turned off")]
    [InlineData("windows,-tlbflush", "'tlbflush-ex' needs 'tlbflush', which '-tlbflush' turned off")]
    [InlineData("linux,-hypercall", "'tlbflush' needs 'hypercall', which '-hypercall' turned off")]
    [InlineData("relaxed,spinlocks,-hypercall", "'spinlocks' needs 'hypercall', which '-hypercall' turned off")]
    public void RejectsBrokenDependenciesNamingTheMissingFeature(string spec, string message)
    {
        Assert.False(HyperVFeatureProfile.TryParse(spec, out _, out string? error));

        Assert.Contains(message, error, StringComparison.Ordinal);
        FormatException thrown = Assert.Throws<FormatException>(() => HyperVFeatureProfile.Parse(spec));
        Assert.Equal(error, thrown.Message);
    }

    [Theory]
    [InlineData("linux", "linux")]
    [InlineData("hypercall,vpindex,tlbflush,spinlocks", "linux")]
    [InlineData("windows", "windows")]
    [InlineData("none", "none")]
    [InlineData("linux,-spinlocks", "hypercall,vpindex,tlbflush")]
    [InlineData("linux,+ipi,spinlocks=0xfff", "hypercall,vpindex,tlbflush,ipi,spinlocks=0xFFF")]
    [InlineData("idle,relaxed", "relaxed,idle")]
    public void ToStringIsCanonicalAndRoundTrips(string spec, string canonical)
    {
        HyperVFeatureProfile profile = HyperVFeatureProfile.Parse(spec);

        Assert.Equal(canonical, profile.ToString());
        Assert.Equal(profile, HyperVFeatureProfile.Parse(profile.ToString()));
    }

    [Fact]
    public void CreateAddsHypercallForFeaturesThatNeedIt()
    {
        HyperVFeatureProfile profile = HyperVFeatureProfile.Create(HyperVFeature.VpIndex | HyperVFeature.TlbFlush);

        Assert.Equal(HyperVFeatureProfile.Parse("vpindex,tlbflush"), profile);
        Assert.True(profile.Has(HyperVFeature.Hypercall));
    }

    [Theory]
    [InlineData(HyperVFeature.TlbFlush)]
    [InlineData(HyperVFeature.VpIndex | HyperVFeature.TlbFlushEx)]
    [InlineData(HyperVFeature.Ipi)]
    public void CreateRejectsMissingDependencies(HyperVFeature features)
    {
        Assert.Throws<ArgumentException>(() => HyperVFeatureProfile.Create(features));
    }

    [Fact]
    public void NamedProfilesAreTheParsedOnes()
    {
        Assert.Equal(HyperVFeatureProfile.Linux, HyperVFeatureProfile.Parse("linux"));
        Assert.Equal(HyperVFeatureProfile.Windows, HyperVFeatureProfile.Parse("windows"));
        Assert.Equal(HyperVFeatureProfile.None, HyperVFeatureProfile.Parse("none"));
        Assert.False(HyperVFeatureProfile.None.IsEnabled);
    }

    [Fact]
    public void EveryFeatureNameMapsToOneDescribedFlag()
    {
        foreach (string name in HyperVFeatureProfile.FeatureNames)
        {
            HyperVFeatureProfile profile = HyperVFeatureProfile.Parse("vpindex,tlbflush," + name);
            HyperVFeature added = profile.Features & ~(HyperVFeature.VpIndex | HyperVFeature.TlbFlush | HyperVFeature.Hypercall);
            Assert.True(added == HyperVFeature.None || System.Numerics.BitOperations.PopCount((uint)added) == 1, name);
        }

        foreach (HyperVFeature feature in Enum.GetValues<HyperVFeature>().Where(f => f != HyperVFeature.None))
        {
            Assert.False(string.IsNullOrEmpty(HyperVFeatureProfile.Describe(feature)));
        }
    }
}

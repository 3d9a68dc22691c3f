using Vmm.HyperV.Tlfs;
using Xunit;

namespace Vmm.HyperV.Tests.Tlfs;

public sealed class FeatureWordTests
{
    [Fact]
    public void PrivilegeMaskSplitsIntoEaxLowAndEbxHigh()
    {
        HvPartitionPrivileges privileges = default(HvPartitionPrivileges)
            .WithAccessHypercallMsrs(true)  // bit 5
            .WithAccessVpIndex(true)        // bit 6
            .WithAccessPartitionId(true);   // bit 33 = EBX bit 1

        Assert.Equal(0x60u, privileges.Eax);
        Assert.Equal(0x2u, privileges.Ebx);
        Assert.Equal(privileges, HvPartitionPrivileges.FromCpuid(0x60, 0x2));
    }

    [Theory]
    [InlineData(0x1UL, nameof(HvPartitionPrivileges.AccessVpRunTimeReg))]
    [InlineData(0x2UL, nameof(HvPartitionPrivileges.AccessPartitionReferenceCounter))]
    [InlineData(0x10UL, nameof(HvPartitionPrivileges.AccessIntrCtrlRegs))]
    [InlineData(0x20UL, nameof(HvPartitionPrivileges.AccessHypercallMsrs))]
    [InlineData(0x40UL, nameof(HvPartitionPrivileges.AccessVpIndex))]
    [InlineData(0x80UL, nameof(HvPartitionPrivileges.AccessResetReg))]
    [InlineData(0x200UL, nameof(HvPartitionPrivileges.AccessPartitionReferenceTsc))]
    [InlineData(0x400UL, nameof(HvPartitionPrivileges.AccessGuestIdleReg))]
    [InlineData(0x800UL, nameof(HvPartitionPrivileges.AccessFrequencyRegs))]
    [InlineData(0x1_0000_0000UL, nameof(HvPartitionPrivileges.CreatePartitions))]
    [InlineData(0x10_0000_0000_0000UL, nameof(HvPartitionPrivileges.EnableExtendedHypercalls))]
    [InlineData(0x40_0000_0000_0000UL, nameof(HvPartitionPrivileges.Isolation))]
    public void PrivilegeBitsSitWhereTheTlfsPutsThem(ulong mask, string property)
    {
        var privileges = new HvPartitionPrivileges(mask);

        Assert.True((bool)typeof(HvPartitionPrivileges).GetProperty(property)!.GetValue(privileges)!);
        Assert.Equal(mask, SetViaWith(default(HvPartitionPrivileges), property).Value);
    }

    [Theory]
    [InlineData(0x4u, nameof(HvRecommendations.UseHypercallForRemoteFlush))]
    [InlineData(0x20u, nameof(HvRecommendations.UseRelaxedTiming))]
    [InlineData(0x400u, nameof(HvRecommendations.UseSyntheticClusterIpi))]
    [InlineData(0x800u, nameof(HvRecommendations.UseExProcessorMasks))]
    [InlineData(0x2_0000u, nameof(HvRecommendations.UseDirectLocalFlushEntire))]
    public void RecommendationBitsSitWhereTheTlfsPutsThem(uint mask, string property)
    {
        var recommendations = new HvRecommendations(mask);

        Assert.True((bool)typeof(HvRecommendations).GetProperty(property)!.GetValue(recommendations)!);
        Assert.Equal(mask, SetViaWith(default(HvRecommendations), property).Value);
    }

    [Theory]
    [InlineData(0x10u, nameof(HvFeatures.XmmRegistersForFastHypercallAvailable))]
    [InlineData(0x100u, nameof(HvFeatures.FrequencyRegsAvailable))]
    [InlineData(0x4000u, nameof(HvFeatures.ExtendedGvaRangesForFlushVirtualAddressListAvailable))]
    [InlineData(0x8_0000u, nameof(HvFeatures.DirectSyntheticTimers))]
    public void FeatureBitsSitWhereTheTlfsPutsThem(uint mask, string property)
    {
        var features = new HvFeatures(mask);

        Assert.True((bool)typeof(HvFeatures).GetProperty(property)!.GetValue(features)!);
        Assert.Equal(mask, SetViaWith(default(HvFeatures), property).Value);
    }

    [Fact]
    public void WithFalseClearsOnlyItsBit()
    {
        var recommendations = new HvRecommendations(0xFFFF_FFFF);

        Assert.Equal(0xFFFF_FFFBu, recommendations.WithUseHypercallForRemoteFlush(false).Value);
    }

    private static T SetViaWith<T>(T word, string property) =>
        (T)typeof(T).GetMethod("With" + property)!.Invoke(word, [true])!;
}

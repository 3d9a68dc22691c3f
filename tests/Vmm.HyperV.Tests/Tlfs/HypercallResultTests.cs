using Vmm.HyperV.Tlfs;
using Xunit;

namespace Vmm.HyperV.Tests.Tlfs;

public sealed class HypercallResultTests
{
    [Theory]
    [InlineData(HvStatus.Success, 0, 0x0000_0000_0000_0000UL)]
    [InlineData(HvStatus.InvalidHypercallCode, 0, 0x0000_0000_0000_0002UL)]
    [InlineData(HvStatus.InvalidHypercallInput, 0, 0x0000_0000_0000_0003UL)]
    [InlineData(HvStatus.InvalidAlignment, 0, 0x0000_0000_0000_0004UL)]
    [InlineData(HvStatus.Success, 1, 0x0000_0001_0000_0000UL)]      // reps completed starts at bit 32
    [InlineData(HvStatus.Success, 509, 0x0000_01FD_0000_0000UL)]    // Linux's largest GVA list (docs/hyperv.md#linux-flush-path)
    [InlineData(HvStatus.InvalidParameter, 7, 0x0000_0007_0000_0005UL)]
    [InlineData((HvStatus)0xFFFF, 0xFFF, 0x0000_0FFF_0000_FFFFUL)]  // both fields full: nothing spills into 31:16 or 63:44
    public void EncodesStatusInBits15To0AndRepsCompletedInBits43To32(HvStatus status, int reps, ulong expected)
    {
        var result = new HypercallResult(status, reps);

        Assert.Equal(expected, result.Value);
        Assert.Equal(0UL, result.Value & HypercallResult.ReservedMask);
        Assert.Equal(result, HypercallResult.FromValue(result.Value));
    }

    [Fact]
    public void ReservedFieldsAre31To16And63To44()
    {
        // The TLFS table says "63-40", which would overlap reps completed (docs/hyperv.md#result-value).
        Assert.Equal(0xFFFF_F000_FFFF_0000UL, HypercallResult.ReservedMask);
    }

    [Theory]
    [InlineData(0xFFFF_F000_FFFF_0000UL, HvStatus.Success, 0)]
    [InlineData(0xFFFF_F123_ABCD_0006UL, HvStatus.AccessDenied, 0x123)]
    public void DecodingIgnoresReservedFields(ulong raw, HvStatus status, int reps)
    {
        HypercallResult result = HypercallResult.FromValue(raw);

        Assert.Equal(status, result.Status);
        Assert.Equal(reps, result.RepsCompleted);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0x1000)]
    public void RejectsRepsCompletedWiderThan12Bits(int reps)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HypercallResult(HvStatus.Success, reps));
    }

    [Fact]
    public void SuccessIsAllZero()
    {
        Assert.Equal(0UL, HypercallResult.Success.Value);
        Assert.True(HypercallResult.Success.IsSuccess);
    }
}

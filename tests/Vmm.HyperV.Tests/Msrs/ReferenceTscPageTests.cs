using System.Buffers.Binary;
using Vmm.HyperV.Msrs;

namespace Vmm.HyperV.Tests.Msrs;

/// <summary>The reference TSC page layout and formula, independent of the MSRs.</summary>
public sealed class ReferenceTscPageTests
{
    [Theory]
    [InlineData(1_000_000_000UL, 184_467_440_737_095_516UL)]          // floor(2^64 / 100)
    [InlineData(2_500_000_000UL, 73_786_976_294_838_206UL)]           // floor(2^64 / 250)
    [InlineData(10_000_001UL, 18_446_742_229_035_328_712UL)]          // the slowest TSC: just under 2^64
    [InlineData(ulong.MaxValue, 10_000_000UL)]                        // floor(10^7 × 2^64 / (2^64 − 1))
    public void ScaleIsTenMillionTimesTwoToTheSixtyFourOverTheFrequency(ulong frequency, ulong expected)
    {
        Assert.Equal(expected, ReferenceTscPage.ScaleFor(frequency));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(10_000_000UL)]
    public void ScaleRejectsTscsOfTenMegahertzOrSlower(ulong frequency)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ReferenceTscPage.ScaleFor(frequency));
    }

    [Theory]
    [InlineData(0u, 1u)]
    [InlineData(1u, 2u)]
    [InlineData(41u, 42u)]
    [InlineData(0xFFFF_FFFDu, 0xFFFF_FFFEu)]
    [InlineData(0xFFFF_FFFEu, 1u)]                                   // skips 0xFFFFFFFF and 0
    [InlineData(0xFFFF_FFFFu, 1u)]
    public void NextSequenceIsNeverZeroNorAllOnes(uint current, uint expected)
    {
        Assert.Equal(expected, ReferenceTscPage.NextSequence(current));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(5_000_000_000UL)]
    [InlineData(ulong.MaxValue)]
    public void TheOffsetMakesReferenceTimeZeroAtTheStartingTsc(ulong tsc)
    {
        ulong scale = ReferenceTscPage.ScaleFor(3_000_000_000);

        long offset = ReferenceTscPage.OffsetFor(tsc, scale);

        Assert.Equal(0UL, ReferenceTscPage.ReferenceTime(tsc, scale, offset));
    }

    [Fact]
    public void ReferenceTimeWrapsLikeTheGuestsUnsignedArithmetic()
    {
        ulong scale = ReferenceTscPage.ScaleFor(2_500_000_000);

        Assert.Equal(ulong.MaxValue, ReferenceTscPage.ReferenceTime(0, scale, -1));                 // before the start: wraps
        Assert.Equal(20_000_000UL - 1 + 5, ReferenceTscPage.ReferenceTime(5_000_000_000, scale, 5));
    }

    [Fact]
    public void WriteLaysOutSequenceScaleOffsetAndZeroesTheRest()
    {
        byte[] page = Enumerable.Repeat((byte)0xEE, 4096).ToArray();

        ReferenceTscPage.Write(page, 7, 0x0123_4567_89AB_CDEF, -42);

        Assert.Equal(7u, BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(ReferenceTscPage.SequenceOffset)));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(4)));
        Assert.Equal(0x0123_4567_89AB_CDEFUL, BinaryPrimitives.ReadUInt64LittleEndian(page.AsSpan(ReferenceTscPage.ScaleOffset)));
        Assert.Equal(-42L, BinaryPrimitives.ReadInt64LittleEndian(page.AsSpan(ReferenceTscPage.OffsetOffset)));
        Assert.All(page[24..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void WriteRefusesAWrongSizeOrTheInvalidSequence()
    {
        Assert.Throws<ArgumentException>(() => ReferenceTscPage.Write(new byte[4095], 1, 1, 0));
        Assert.Throws<ArgumentException>(() => ReferenceTscPage.Write(new byte[4096], ReferenceTscPage.InvalidSequence, 1, 0));
    }
}

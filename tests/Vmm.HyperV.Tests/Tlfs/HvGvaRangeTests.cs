using Vmm.HyperV.Tlfs;
using Xunit;

namespace Vmm.HyperV.Tests.Tlfs;

public sealed class HvGvaRangeTests
{
    private const ulong K4 = 0x1000;
    private const ulong M2 = 0x20_0000;
    private const ulong G1 = 0x4000_0000;

    [Theory]
    //          raw entry                       base GVA                     pages
    [InlineData(0x0000_0000_0000_1000UL, 0x0000_0000_0000_1000UL, 1)]      // 0 additional → 1 page
    [InlineData(0x0000_0000_0000_1001UL, 0x0000_0000_0000_1000UL, 2)]
    [InlineData(0x0000_7FFF_FFFF_FFFFUL, 0x0000_7FFF_FFFF_F000UL, 4096)]   // 0xFFF additional → 4096 pages
    [InlineData(0xFFFF_8000_0012_3ABCUL, 0xFFFF_8000_0012_3000UL, 0xABD)]  // kernel half, canonical high GVA
    [InlineData(0x0000_0000_0060_0801UL, 0x0000_0000_0060_0000UL, 0x802)]  // bit 11 is just a count bit here
    public void DecodesBasicEntries(ulong raw, ulong expectedBase, int expectedPages)
    {
        new HvGvaRange(raw).Decode(extendedFormat: false, out ulong baseAddress, out ulong pageSize, out int pages);

        Assert.Equal(expectedBase, baseAddress);
        Assert.Equal(K4, pageSize);
        Assert.Equal(expectedPages, pages);
    }

    [Theory]
    //          raw entry                       base GVA                     page size  pages
    [InlineData(0x0000_0000_0000_5000UL, 0x0000_0000_0000_5000UL, K4, 1)]
    [InlineData(0x0000_0000_0000_57FFUL, 0x0000_0000_0000_5000UL, K4, 2048)]   // bits 10:0 = 0x7FF
    [InlineData(0x0000_0000_0060_0801UL, 0x0000_0000_0060_0000UL, M2, 2)]      // LargePage, PageSize 0: 2 MiB
    [InlineData(0x0000_7FFF_FFE0_0800UL, 0x0000_7FFF_FFE0_0000UL, M2, 1)]      // highest 2 MiB page below 128 TiB
    [InlineData(0x0000_0000_4000_1803UL, 0x0000_0000_4000_0000UL, G1, 4)]      // LargePage, PageSize 1: 1 GiB
    [InlineData(0xFFFF_FFFF_C000_1FFFUL, 0xFFFF_FFFF_C000_0000UL, G1, 2048)]
    public void DecodesExtendedEntries(ulong raw, ulong expectedBase, ulong expectedPageSize, int expectedPages)
    {
        new HvGvaRange(raw).Decode(extendedFormat: true, out ulong baseAddress, out ulong pageSize, out int pages);

        Assert.Equal(expectedBase, baseAddress);
        Assert.Equal(expectedPageSize, pageSize);
        Assert.Equal(expectedPages, pages);
    }

    [Theory]
    [InlineData(0x0000_0000_0060_0800UL | (1UL << 13), true)]  // large entry, reserved bit 13
    [InlineData(0x0000_0000_0060_0800UL | (1UL << 20), true)]  // large entry, reserved bit 20
    [InlineData(0x0000_0000_0060_0800UL, false)]
    [InlineData(0x0000_0000_0060_2000UL, false)]               // small entry: bits 20:13 belong to the page number
    public void FlagsReservedBitsOnlyInExtendedLargeEntries(ulong raw, bool expected)
    {
        Assert.Equal(expected, new HvGvaRange(raw).HasExtendedReservedBitsSet);
    }

    [Theory]
    [InlineData(0x0UL, 0)]
    [InlineData(0x7_FFFF_FFFFUL, 0xFFF)]
    [InlineData(0xF_FFFF_FFFF_FFFFUL, 17)]
    public void BasicBuilderRoundTrips(ulong pageNumber, int additional)
    {
        HvGvaRange range = HvGvaRange.CreateBasic(pageNumber, additional);

        Assert.Equal(pageNumber, range.PageNumber);
        Assert.Equal(additional, range.BasicAdditionalPages);
    }

    [Theory]
    [InlineData(0x3UL, false, 1, 0x0000_0000_0060_0801UL)]
    [InlineData(0x200UL, true, 3, 0x0000_0000_4000_1803UL)]
    public void ExtendedLargeBuilderMatchesTheEncoding(ulong largePageNumber, bool oneGigabyte, int additional, ulong expected)
    {
        HvGvaRange range = HvGvaRange.CreateExtendedLarge(largePageNumber, oneGigabyte, additional);

        Assert.Equal(expected, range.Value);
        Assert.True(range.IsLargePage);
        Assert.Equal(oneGigabyte, range.IsOneGigabytePage);
        Assert.Equal(largePageNumber, range.LargePageNumber);
        Assert.Equal(additional, range.ExtendedAdditionalPages);
    }

    [Fact]
    public void ExtendedSmallBuilderLeavesLargePageClear()
    {
        HvGvaRange range = HvGvaRange.CreateExtended(0x5, 0x7FF);

        Assert.Equal(0x0000_0000_0000_57FFUL, range.Value);
        Assert.False(range.IsLargePage);
    }

    [Theory]
    [InlineData(0x1000)]
    [InlineData(-1)]
    public void BasicBuilderRejectsCountsWiderThan12Bits(int additional)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => HvGvaRange.CreateBasic(0, additional));
    }

    [Fact]
    public void ExtendedBuilderRejectsCountsWiderThan11Bits()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => HvGvaRange.CreateExtended(0, 0x800));
        Assert.Throws<ArgumentOutOfRangeException>(() => HvGvaRange.CreateExtendedLarge(0, false, 0x800));
    }
}

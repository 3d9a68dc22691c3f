namespace Vmm.Host.Tests;

public sealed class SizeParserTests
{
    [Theory]
    [InlineData("16", 16UL << 20)]          // a bare number is MiB, as QEMU's -m
    [InlineData("16777216B", 16UL << 20)]   // B alone: bytes
    [InlineData("64M", 64UL << 20)]
    [InlineData("64m", 64UL << 20)]
    [InlineData("64MiB", 64UL << 20)]
    [InlineData("64MB", 64UL << 20)]
    [InlineData("1G", 1UL << 30)]
    [InlineData("2T", 2UL << 40)]
    [InlineData("512K", 512UL << 10)]
    [InlineData("0", 0UL)]                  // well-formed: the caller's range check refuses it with the range
    public void ParsesBinaryUnitsAndBareMebibytes(string text, ulong bytes)
    {
        Assert.True(SizeParser.TryParse(text, out ulong parsed));
        Assert.Equal(bytes, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1G")]
    [InlineData("1.5G")]
    [InlineData("12X")]
    [InlineData("B")]
    public void RejectsWhatIsNotASize(string text) => Assert.Equal(SizeParseStatus.NotASize, SizeParser.Parse(text, out _));

    [Theory]
    [InlineData("99999999999999999999")]
    [InlineData("20000000000T")]
    [InlineData("17592186044416")]          // MiB: 2^64 bytes
    public void TellsATooLargeSizeFromAMalformedOne(string text) => Assert.Equal(SizeParseStatus.TooLarge, SizeParser.Parse(text, out _));

    [Theory]
    [InlineData(256UL << 20, "256 MiB")]
    [InlineData(1UL << 30, "1 GiB")]
    [InlineData(1000UL, "1000 bytes")]
    public void FormatsTheLargestExactUnit(ulong bytes, string text) => Assert.Equal(text, SizeParser.Format(bytes));
}

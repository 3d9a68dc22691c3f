using Vmm.HyperV.Tlfs;
using Xunit;

namespace Vmm.HyperV.Tests.Tlfs;

public sealed class HypercallInputTests
{
    [Theory]
    //          raw value                   code    fast   varhdr nested reps   start
    [InlineData(0x0000_0000_0000_0002UL, 0x0002, false, 0, false, 0, 0)]      // bits 15:0 call code
    [InlineData(0x0000_0000_0000_FFFFUL, 0xFFFF, false, 0, false, 0, 0)]
    [InlineData(0x0000_0000_0001_0000UL, 0x0000, true, 0, false, 0, 0)]       // bit 16 fast
    [InlineData(0x0000_0000_0002_0000UL, 0x0000, false, 1, false, 0, 0)]      // bit 17 = varhdr LSB
    [InlineData(0x0000_0000_07FE_0000UL, 0x0000, false, 0x3FF, false, 0, 0)]  // bits 26:17 varhdr
    [InlineData(0x0000_0000_8000_0000UL, 0x0000, false, 0, true, 0, 0)]       // bit 31 is nested
    [InlineData(0x0000_0001_0000_0000UL, 0x0000, false, 0, false, 1, 0)]      // bit 32 = rep count LSB
    [InlineData(0x0000_0FFF_0000_0000UL, 0x0000, false, 0, false, 0xFFF, 0)]  // bits 43:32 rep count
    [InlineData(0x0001_0000_0000_0000UL, 0x0000, false, 0, false, 0, 1)]      // bit 48 = rep start LSB
    [InlineData(0x0FFF_0000_0000_0000UL, 0x0000, false, 0, false, 0, 0xFFF)]  // bits 59:48 rep start
    [InlineData(0x0002_0005_0000_0003UL, 0x0003, false, 0, false, 5, 2)]      // FlushVirtualAddressList, reps 2..4 of 5
    [InlineData(0x0000_0000_0004_0013UL, 0x0013, false, 2, false, 0, 0)]      // FlushVirtualAddressSpaceEx, 2 banks
    [InlineData(0x0000_0000_0001_000BUL, 0x000B, true, 0, false, 0, 0)]       // fast SendSyntheticClusterIpi
    public void ParsesEveryFieldAtItsBitPosition(ulong raw, int code, bool fast, int varHeader, bool nested, int reps, int start)
    {
        var input = new HypercallInput(raw);

        Assert.Equal((HvCallCode)code, input.CallCode);
        Assert.Equal(fast, input.IsFast);
        Assert.Equal(varHeader, input.VariableHeaderSize);
        Assert.Equal(nested, input.IsNested);
        Assert.Equal(reps, input.RepCount);
        Assert.Equal(start, input.RepStartIndex);
        Assert.False(input.HasReservedBitsSet);
    }

    [Theory]
    [InlineData(27)] // RsvdZ 30:27
    [InlineData(28)]
    [InlineData(29)]
    [InlineData(30)]
    [InlineData(44)] // RsvdZ 47:44
    [InlineData(45)]
    [InlineData(46)]
    [InlineData(47)]
    [InlineData(60)] // RsvdZ 63:60
    [InlineData(61)]
    [InlineData(62)]
    [InlineData(63)]
    public void DetectsEachReservedBit(int bit)
    {
        var input = new HypercallInput(0x0000_0001_0000_0003UL | (1UL << bit));

        Assert.True(input.HasReservedBitsSet);
        Assert.True(input.HasReservedOrNestedBitsSet);
    }

    [Theory]
    [InlineData(0x0000_0000_7800_0000UL)] // all of 30:27
    [InlineData(0x0000_F000_0000_0000UL)] // all of 47:44
    [InlineData(0xF000_0000_0000_0000UL)] // all of 63:60
    public void DetectsEachReservedRange(ulong range)
    {
        Assert.True(new HypercallInput(range).HasReservedBitsSet);
        Assert.Equal(range, HypercallInput.ReservedMask & range);
    }

    [Fact]
    public void ReservedMaskIsExactlyTheThreeRsvdZFields()
    {
        Assert.Equal(0xF000_F000_7800_0000UL, HypercallInput.ReservedMask);
    }

    [Fact]
    public void EveryDefinedFieldSetIsNotReserved()
    {
        // Every non-reserved bit, bit 31 included: the TLFS names bit 31 "Is Nested", not RsvdZ.
        var input = new HypercallInput(~HypercallInput.ReservedMask);

        Assert.False(input.HasReservedBitsSet);
        Assert.True(input.IsNested);
        Assert.True(input.HasReservedOrNestedBitsSet);
    }

    [Theory]
    [InlineData(HvCallCode.HvCallFlushVirtualAddressSpace, false, 0, 0, 0, false, 0x0000_0000_0000_0002UL)]
    [InlineData(HvCallCode.HvCallFlushVirtualAddressList, false, 0, 17, 0, false, 0x0000_0011_0000_0003UL)]
    [InlineData(HvCallCode.HvCallFlushVirtualAddressListEx, false, 3, 0xFFF, 0xFFE, false, 0x0FFE_0FFF_0006_0014UL)]
    [InlineData(HvCallCode.HvCallSendSyntheticClusterIpi, true, 0, 0, 0, false, 0x0000_0000_0001_000BUL)]
    [InlineData(HvCallCode.HvCallNotifyLongSpinWait, true, 0x3FF, 0, 0, true, 0x0000_0000_87FF_0008UL)]
    public void BuilderRoundTripsThroughParse(HvCallCode code, bool fast, int varHeader, int reps, int start, bool nested, ulong expected)
    {
        HypercallInput input = HypercallInput.Create(code, fast, varHeader, reps, start, nested);

        Assert.Equal(expected, input.Value);
        var parsed = new HypercallInput(input.Value);
        Assert.Equal(code, parsed.CallCode);
        Assert.Equal(fast, parsed.IsFast);
        Assert.Equal(varHeader, parsed.VariableHeaderSize);
        Assert.Equal(reps, parsed.RepCount);
        Assert.Equal(start, parsed.RepStartIndex);
        Assert.Equal(nested, parsed.IsNested);
        Assert.False(parsed.HasReservedBitsSet);
        Assert.Equal(input, parsed);
    }

    [Theory]
    [InlineData(-1, 0, 0)]
    [InlineData(0x400, 0, 0)]
    [InlineData(0, -1, 0)]
    [InlineData(0, 0x1000, 0)]
    [InlineData(0, 0, -1)]
    [InlineData(0, 0, 0x1000)]
    public void BuilderRejectsFieldsWiderThanTheirBits(int varHeader, int reps, int start)
    {
        Assert.Throws<ArgumentOutOfRangeException>(
            () => HypercallInput.Create(HvCallCode.HvCallFlushVirtualAddressList, false, varHeader, reps, start));
    }

    [Theory]
    [InlineData(0x0000_0005_0000_0003UL, 3, 0x0003_0005_0000_0003UL)]
    [InlineData(0xFFFF_FFFF_FFFF_FFFFUL, 0, 0xF000_FFFF_FFFF_FFFFUL)] // keeps every other bit, reserved ones too
    [InlineData(0x0FFF_0000_0000_0000UL, 0x800, 0x0800_0000_0000_0000UL)]
    public void WithRepStartIndexReplacesOnlyBits59To48(ulong raw, int start, ulong expected)
    {
        Assert.Equal(expected, new HypercallInput(raw).WithRepStartIndex(start).Value);
    }
}

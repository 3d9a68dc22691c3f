using Vmm.Core.Devices.Legacy;

namespace Vmm.Core.Tests.Devices.Legacy;

public sealed class CmosRtcDeviceTests
{
    private static readonly DateTime Now = new(2026, 12, 2, 19, 58, 37, DateTimeKind.Utc);

    private static byte ReadRegister(CmosRtcDevice rtc, byte register)
    {
        rtc.Write(0, [register]);
        Span<byte> value = stackalloc byte[1];
        rtc.Read(1, value);
        return value[0];
    }

    [Theory]
    [InlineData(0x00, 0x37)]   // seconds
    [InlineData(0x02, 0x58)]   // minutes
    [InlineData(0x04, 0x19)]   // hours, 24-hour
    [InlineData(0x06, 0x04)]   // Wednesday (1 = Sunday)
    [InlineData(0x07, 0x02)]   // day
    [InlineData(0x08, 0x12)]   // month
    [InlineData(0x09, 0x26)]   // year
    [InlineData(0x32, 0x20)]   // century
    public void TheTimeIsTheHostClockInUtcAsBcd(byte register, byte expected) =>
        Assert.Equal(expected, ReadRegister(new CmosRtcDevice(() => Now), register));

    [Fact]
    public void StatusRegistersSayNoUpdateInProgress24HourBcdAndValidRam()
    {
        var rtc = new CmosRtcDevice(() => Now);
        Assert.Equal(0, ReadRegister(rtc, 0x0A) & 0x80);            // UIP clear: Linux never waits
        Assert.Equal(0x02, ReadRegister(rtc, 0x0B) & 0x06);         // 24-hour, BCD (DM clear)
        Assert.Equal(0x80, ReadRegister(rtc, 0x0D));
    }

    [Fact]
    public void TheNmiMaskBitOfTheIndexIsIgnoredAndCmosRamStoresWrites()
    {
        var rtc = new CmosRtcDevice(() => Now);
        Assert.Equal(0x37, ReadRegister(rtc, 0x80));
        rtc.Write(0, [0x40]);
        rtc.Write(1, [0x5A]);
        Assert.Equal(0x5A, ReadRegister(rtc, 0x40));
        rtc.Write(0, [0x00]);
        rtc.Write(1, [0x11]);                                        // the clock is the host's: ignored
        Assert.Equal(0x37, ReadRegister(rtc, 0x00));
    }

    [Fact]
    public void WrongSizedAccessesReadAllOnes()
    {
        var rtc = new CmosRtcDevice(() => Now);
        Span<byte> two = stackalloc byte[2];
        rtc.Read(1, two);
        Assert.Equal(0xFFFF, two[0] | (two[1] << 8));
    }
}

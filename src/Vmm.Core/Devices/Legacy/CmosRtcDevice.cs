namespace Vmm.Core.Devices.Legacy;

/// <summary>
/// The PC's CMOS real-time clock (a Motorola MC146818-compatible part) at ports 0x70 (index) and 0x71 (data):
/// the current time, read from the host clock in UTC, in BCD and 24-hour format.
/// </summary>
/// <remarks>
/// Linux reads it at boot (arch/x86/kernel/rtc.c <c>mach_get_cmos_time</c>, drivers/rtc/rtc-mc146818-lib.c):
/// it waits while register A's update-in-progress bit is set, for up to a second per read, and with no device
/// (reads of 0xFF) it waits the full second and logs "Unable to read current time from RTC". So UIP is always
/// clear here: the value is computed on each read from the host clock, there is no update cycle to race.
/// Register B = 24-hour mode with BCD (DM and 24/12 per the MC146818 datasheet: bit 1 24-hour, bit 2 binary
/// clear), D = valid RAM and time (bit 7). Writes to the time registers and to B are ignored (the host clock is
/// the clock); the rest of the 128-byte CMOS RAM stores what is written. Bit 7 of the index is the NMI mask.
/// </remarks>
public sealed class CmosRtcDevice : IBusDevice
{
    /// <summary>Ports 0x70-0x71.</summary>
    public const ushort BasePort = 0x70;

    /// <summary>The window: index and data.</summary>
    public const int WindowSize = 2;

    internal const byte Seconds = 0x00;
    internal const byte Minutes = 0x02;
    internal const byte Hours = 0x04;
    internal const byte DayOfWeek = 0x06;
    internal const byte DayOfMonth = 0x07;
    internal const byte Month = 0x08;
    internal const byte Year = 0x09;
    internal const byte RegisterA = 0x0A;
    internal const byte RegisterB = 0x0B;
    internal const byte RegisterC = 0x0C;
    internal const byte RegisterD = 0x0D;
    internal const byte Century = 0x32;

    /// <summary>Register A: divider 010 (32.768 kHz time base), rate 0110 (1024 Hz); UIP (bit 7) clear.</summary>
    internal const byte RegisterAValue = 0x26;

    /// <summary>Register B: 24-hour mode (bit 1), BCD (bit 2 clear), no interrupts, no daylight saving.</summary>
    internal const byte RegisterBValue = 0x02;

    /// <summary>Register D: valid RAM and time (bit 7).</summary>
    internal const byte RegisterDValue = 0x80;

    private readonly Func<DateTime> _utcNow;
    private readonly byte[] _ram = new byte[128];
    private readonly Lock _lock = new();
    private byte _index;

    /// <summary>Creates the device reading the host clock.</summary>
    public CmosRtcDevice()
        : this(() => DateTime.UtcNow)
    {
    }

    /// <summary>Creates the device reading <paramref name="utcNow"/> (tests pass a fixed clock).</summary>
    public CmosRtcDevice(Func<DateTime> utcNow)
    {
        ArgumentNullException.ThrowIfNull(utcNow);
        _utcNow = utcNow;
    }

    /// <inheritdoc />
    public void Read(ulong offset, Span<byte> data)
    {
        data.Fill(0xFF);
        if (data.Length != 1)
        {
            return;
        }

        lock (_lock)
        {
            data[0] = offset == 0 ? _index : ReadRegister((byte)(_index & 0x7F));
        }
    }

    /// <inheritdoc />
    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        if (data.Length != 1)
        {
            return;
        }

        lock (_lock)
        {
            if (offset == 0)
            {
                _index = data[0];
                return;
            }

            byte register = (byte)(_index & 0x7F);
            if (register > RegisterD)
            {
                _ram[register] = data[0];
            }
        }
    }

    private byte ReadRegister(byte register)
    {
        DateTime now = _utcNow();
        return register switch
        {
            Seconds => Bcd(now.Second),
            Minutes => Bcd(now.Minute),
            Hours => Bcd(now.Hour),
            DayOfWeek => Bcd((int)now.DayOfWeek + 1),   // 1 = Sunday
            DayOfMonth => Bcd(now.Day),
            Month => Bcd(now.Month),
            Year => Bcd(now.Year % 100),
            Century => Bcd(now.Year / 100),
            RegisterA => RegisterAValue,
            RegisterB => RegisterBValue,
            RegisterC => 0,                              // no interrupt flags
            RegisterD => RegisterDValue,
            0x01 or 0x03 or 0x05 => 0,                   // alarms: none set
            _ => _ram[register],
        };
    }

    private static byte Bcd(int value) => (byte)(((value / 10) << 4) | (value % 10));
}

using System.Buffers.Binary;
using Vmm.Core.Boot.Linux;

namespace Vmm.Core.Tests.Boot.Linux;

/// <summary>
/// The MP table read back the way Linux reads it (arch/x86/kernel/mpparse.c: <c>smp_scan_config</c> for the
/// floating pointer, <c>smp_check_mpc</c> for the table header, <c>smp_read_mpc</c> for the entries).
/// </summary>
public sealed class MpTableTests
{
    private const uint Address = 0x9_FC00;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    [InlineData(254)]
    public void LinuxAcceptsTheTableAndFindsOneProcessorPerVcpu(int processors)
    {
        byte[] bytes = MpTable.Build(processors, Address);
        Parsed p = Parse(bytes);
        Assert.Equal(Enumerable.Range(0, processors).Select(i => (byte)i), p.ApicIds);
        Assert.Equal(0, p.BootProcessor);
        Assert.Equal(["ISA   "], p.Buses);
        Assert.Equal((byte)(processors + 1), p.IoApicId);
        Assert.Equal(0xFEC0_0000u, p.IoApicAddress);
        Assert.Equal(Enumerable.Range(0, 24).Select(i => ((byte)i, (byte)i)), p.IrqToPin);
        Assert.Equal([(3, (byte)0), (1, (byte)1)], p.LocalInterrupts);   // ExtINT on LINT0, NMI on LINT1
    }

    [Theory]
    [InlineData(16 + 7)]     // table checksum
    [InlineData(16 + 50)]    // a byte inside an entry
    [InlineData(10)]         // floating pointer checksum
    public void ACorruptedByteFailsTheChecksum(int offset)
    {
        byte[] bytes = MpTable.Build(4, Address);
        bytes[offset] ^= 0x40;
        Assert.Throws<InvalidDataException>(() => Parse(bytes));
    }

    private static Parsed Parse(byte[] bytes)
    {
        // smp_scan_config: "_MP_", length 1 (16 bytes), checksum over 16 bytes, spec 1 or 4.
        ReadOnlySpan<byte> fp = bytes.AsSpan(0, 16);
        Check(fp[..4].SequenceEqual("_MP_"u8), "floating pointer signature");
        Check(fp[8] == 1, "floating pointer length");
        Check(Sum(fp) == 0, "floating pointer checksum");
        Check(fp[9] is 1 or 4, "floating pointer spec");
        Check(fp[11] == 0, "feature byte 1: a configuration table, not a default configuration");
        uint physptr = BinaryPrimitives.ReadUInt32LittleEndian(fp[4..]);
        int tableAt = checked((int)(physptr - Address));

        // smp_check_mpc: "PCMP", checksum over length, spec 1 or 4, a local APIC address.
        ReadOnlySpan<byte> mpc = bytes.AsSpan(tableAt);
        int length = BinaryPrimitives.ReadUInt16LittleEndian(mpc[4..]);
        Check(mpc[..4].SequenceEqual("PCMP"u8), "table signature");
        Check(length <= mpc.Length, "table length");
        mpc = mpc[..length];
        Check(Sum(mpc) == 0, "table checksum");
        Check(mpc[6] is 1 or 4, "table spec");
        Check(BinaryPrimitives.ReadUInt32LittleEndian(mpc[36..]) != 0, "local APIC address");
        int declaredCount = BinaryPrimitives.ReadUInt16LittleEndian(mpc[34..]);

        // smp_read_mpc: walk the entries by type; an unknown type or a walk past the length is an error.
        var p = new Parsed();
        int at = 44;
        int count = 0;
        while (at < length)
        {
            ReadOnlySpan<byte> e = mpc[at..];
            switch (e[0])
            {
                case 0:
                    Check(length - at >= 20, "processor entry size");
                    if ((e[3] & 1) != 0)
                    {
                        p.ApicIds.Add(e[1]);
                    }

                    if ((e[3] & 2) != 0)
                    {
                        p.BootProcessor = e[1];
                    }

                    at += 20;
                    break;
                case 1:
                    p.Buses.Add(System.Text.Encoding.ASCII.GetString(e.Slice(2, 6)));
                    at += 8;
                    break;
                case 2:
                    Check((e[3] & 1) != 0, "I/O APIC usable");
                    p.IoApicId = e[1];
                    p.IoApicAddress = BinaryPrimitives.ReadUInt32LittleEndian(e[4..]);
                    at += 8;
                    break;
                case 3:
                    Check(e[6] == p.IoApicId, "I/O interrupt names the I/O APIC");
                    p.IrqToPin.Add((e[5], e[7]));
                    at += 8;
                    break;
                case 4:
                    p.LocalInterrupts.Add((e[1], e[7]));
                    at += 8;
                    break;
                default:
                    throw new InvalidDataException($"unknown entry type {e[0]}");
            }

            count++;
        }

        Check(at == length, "entries end at the table length");
        Check(count == declaredCount, "entry count");
        return p;
    }

    private static int Sum(ReadOnlySpan<byte> bytes)
    {
        int sum = 0;
        foreach (byte b in bytes)
        {
            sum += b;
        }

        return sum & 0xFF;
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidDataException(what);
        }
    }

    private sealed class Parsed
    {
        public List<byte> ApicIds { get; } = [];

        public int BootProcessor { get; set; } = -1;

        public List<string> Buses { get; } = [];

        public byte IoApicId { get; set; }

        public uint IoApicAddress { get; set; }

        public List<(byte Irq, byte Pin)> IrqToPin { get; } = [];

        public List<(byte Type, byte Pin)> LocalInterrupts { get; } = [];
    }
}

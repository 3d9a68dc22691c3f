using Vmm.Core.Devices;
using Xunit;

namespace Vmm.Core.Tests.Devices;

public sealed class DeviceBusTests
{
    private readonly DeviceBus _bus = new("pio");

    [Fact]
    public void InsertRejectsEmptyWindow()
    {
        Assert.Throws<ArgumentException>(() => _bus.Insert(new BusRange(0x3F8, 0), new RecordingDevice()));
        Assert.Equal(0, _bus.Count);
    }

    [Theory]
    [InlineData(ulong.MaxValue, 2UL)]
    [InlineData(0xFFFF_FFFF_FFFF_FFF0UL, 0x20UL)]
    [InlineData(1UL, ulong.MaxValue)]
    [InlineData(0xFFFF_FFFF_FFFF_FFF0UL, 0x10UL)] // ends exactly at 2^64, which BusRange.End cannot represent
    public void InsertRejectsWrappingWindow(ulong start, ulong length)
    {
        Assert.Throws<ArgumentException>(() => _bus.Insert(new BusRange(start, length), new RecordingDevice()));
        Assert.Equal(0, _bus.Count);
    }

    [Fact]
    public void InsertAcceptsWindowEndingAtLastAddress()
    {
        var device = new RecordingDevice();

        _bus.Insert(new BusRange(0xFFFF_FFFF_FFFF_FFF0, 0xF), device);

        Assert.True(_bus.TryFind(0xFFFF_FFFF_FFFF_FFFE, 1, out IBusDevice? found, out ulong offset));
        Assert.Same(device, found);
        Assert.Equal(0xEUL, offset);
    }

    [Theory]
    [InlineData(0x3F0UL, 0x9UL)]  // covers the first byte
    [InlineData(0x3FFUL, 0x10UL)] // covers the last byte
    [InlineData(0x3FAUL, 0x2UL)]  // inside
    [InlineData(0x000UL, 0x1000UL)] // encloses
    [InlineData(0x3F8UL, 0x8UL)]  // identical
    public void InsertRejectsOverlappingWindow(ulong start, ulong length)
    {
        _bus.Insert(new BusRange(0x3F8, 8), new RecordingDevice());

        Assert.Throws<ArgumentException>(() => _bus.Insert(new BusRange(start, length), new RecordingDevice()));
        Assert.Equal(1, _bus.Count);
    }

    [Fact]
    public void InsertAcceptsAdjacentWindows()
    {
        _bus.Insert(new BusRange(0x3F8, 8), new RecordingDevice());

        _bus.Insert(new BusRange(0x3F0, 8), new RecordingDevice());
        _bus.Insert(new BusRange(0x400, 8), new RecordingDevice());

        Assert.Equal(3, _bus.Count);
    }

    [Fact]
    public void InsertRejectsNullDevice()
    {
        Assert.Throws<ArgumentNullException>(() => _bus.Insert(new BusRange(0x3F8, 8), null!));
    }

    [Fact]
    public void FailedInsertLeavesRoutingUnchanged()
    {
        var first = new RecordingDevice();
        _bus.Insert(new BusRange(0x3F8, 8), first);

        Assert.Throws<ArgumentException>(() => _bus.Insert(new BusRange(0x3F0, 0x10), new RecordingDevice()));

        Assert.True(_bus.TryFind(0x3F8, 1, out IBusDevice? found, out _));
        Assert.Same(first, found);
        Assert.False(_bus.TryFind(0x3F0, 1, out _, out _));
    }

    [Theory]
    [InlineData(0x3F8UL, 0UL)] // first byte
    [InlineData(0x3FFUL, 7UL)] // last byte
    [InlineData(0x3FCUL, 4UL)]
    public void RoutesEveryByteOfWindowWithRelativeOffset(ulong address, ulong expectedOffset)
    {
        var device = new RecordingDevice();
        _bus.Insert(new BusRange(0x3F8, 8), device);

        Assert.True(_bus.Write(address, [0xAB]));

        (ulong offset, byte[] data) = Assert.Single(device.Writes);
        Assert.Equal(expectedOffset, offset);
        Assert.Equal([0xAB], data);
    }

    [Theory]
    [InlineData(0x3F7UL)]
    [InlineData(0x400UL)]
    public void BytesJustOutsideWindowAreUnclaimed(ulong address)
    {
        var device = new RecordingDevice();
        _bus.Insert(new BusRange(0x3F8, 8), device);

        Assert.False(_bus.Write(address, [0]));
        Assert.Empty(device.Writes);
    }

    [Theory]
    [InlineData(0x3FEUL, 4)] // runs past the last byte
    [InlineData(0x3FFUL, 2)]
    [InlineData(0x3F6UL, 4)] // starts before the first byte
    [InlineData(0x3F7UL, 2)]
    [InlineData(0x3F0UL, 0x20)] // covers the whole window and more
    public void AccessStraddlingWindowEdgeIsUnclaimed(ulong address, int length)
    {
        var device = new RecordingDevice();
        _bus.Insert(new BusRange(0x3F8, 8), device);
        byte[] data = new byte[length];

        Assert.False(_bus.Read(address, data));
        Assert.False(_bus.Write(address, data));

        Assert.Empty(device.Reads);
        Assert.Empty(device.Writes);
    }

    [Theory]
    [InlineData(0x3F8UL, 8)] // the whole window
    [InlineData(0x3FCUL, 4)] // ends on the last byte
    public void AccessEndingOnLastByteIsClaimed(ulong address, int length)
    {
        var device = new RecordingDevice { Fill = 0x5A };
        _bus.Insert(new BusRange(0x3F8, 8), device);
        byte[] data = new byte[length];

        Assert.True(_bus.Read(address, data));

        Assert.Equal(address - 0x3F8, Assert.Single(device.Reads));
        Assert.All(data, b => Assert.Equal(0x5A, b));
    }

    [Fact]
    public void AccessStraddlingTwoAdjacentWindowsIsUnclaimed()
    {
        var low = new RecordingDevice();
        var high = new RecordingDevice();
        _bus.Insert(new BusRange(0x60, 4), low);
        _bus.Insert(new BusRange(0x64, 4), high);

        Assert.False(_bus.Write(0x62, [1, 2, 3, 4]));

        Assert.Empty(low.Writes);
        Assert.Empty(high.Writes);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void UnclaimedReadFillsOnesAndReturnsFalse(int length)
    {
        _bus.Insert(new BusRange(0x3F8, 8), new RecordingDevice());
        byte[] data = new byte[length];

        Assert.False(_bus.Read(0x80, data));

        Assert.All(data, b => Assert.Equal(0xFF, b));
    }

    [Fact]
    public void EmptyBusClaimsNothing()
    {
        byte[] data = [0];

        Assert.False(_bus.Read(0, data));
        Assert.False(_bus.Write(ulong.MaxValue, data));
        Assert.False(_bus.TryFind(0x3F8, 1, out IBusDevice? device, out ulong offset));
        Assert.Null(device);
        Assert.Equal(0UL, offset);
        Assert.Equal(0xFF, data[0]);
    }

    [Fact]
    public void ReadsAndWritesReachDeviceWithTheirData()
    {
        var device = new RecordingDevice { Fill = 0x11 };
        _bus.Insert(new BusRange(0xFEC0_0000, 0x1000), device);
        byte[] read = new byte[4];

        Assert.True(_bus.Write(0xFEC0_0010, [1, 2, 3, 4]));
        Assert.True(_bus.Read(0xFEC0_0020, read));

        (ulong offset, byte[] data) = Assert.Single(device.Writes);
        Assert.Equal(0x10UL, offset);
        Assert.Equal([1, 2, 3, 4], data);
        Assert.Equal(0x20UL, Assert.Single(device.Reads));
        Assert.Equal([0x11, 0x11, 0x11, 0x11], read);
    }

    [Fact]
    public void DevicesInsertedOutOfOrderRouteToTheirOwnWindows()
    {
        var devices = new Dictionary<ulong, RecordingDevice>();
        foreach (ulong start in new ulong[] { 0x3F8, 0x60, 0x2F8, 0x70, 0x20, 0x3E8 })
        {
            devices[start] = new RecordingDevice();
            _bus.Insert(new BusRange(start, 8), devices[start]);
        }

        foreach ((ulong start, RecordingDevice device) in devices)
        {
            Assert.True(_bus.TryFind(start + 3, 1, out IBusDevice? found, out ulong offset));
            Assert.Same(device, found);
            Assert.Equal(3UL, offset);
        }
    }

    [Fact]
    public void ManyDevicesRandomLookupsMatchLinearScan()
    {
        var random = new Random(0x16550);
        var windows = new List<(BusRange Range, RecordingDevice Device)>();
        ulong next = 0;
        for (int i = 0; i < 300; i++)
        {
            // Random gaps (sometimes none) and sizes, so that windows are both adjacent and spread out.
            next += (ulong)random.Next(0, 3) * (ulong)random.Next(1, 64);
            ulong length = (ulong)random.Next(1, 32);
            windows.Add((new BusRange(next, length), new RecordingDevice()));
            next += length;
        }

        foreach ((BusRange range, RecordingDevice device) in windows.OrderBy(_ => random.Next()))
        {
            _bus.Insert(range, device);
        }

        Assert.Equal(windows.Count, _bus.Count);
        for (int i = 0; i < 20_000; i++)
        {
            ulong address = (ulong)random.NextInt64(0, (long)next + 64);
            int length = random.Next(1, 9);

            bool found = _bus.TryFind(address, length, out IBusDevice? device, out ulong offset);

            (BusRange Range, RecordingDevice Device)? expected = LinearScan(windows, address, length);
            Assert.Equal(expected.HasValue, found);
            if (expected is { } hit)
            {
                Assert.Same(hit.Device, device);
                Assert.Equal(address - hit.Range.Base, offset);
            }
        }
    }

    private static (BusRange Range, RecordingDevice Device)? LinearScan(
        List<(BusRange Range, RecordingDevice Device)> windows, ulong address, int length)
    {
        foreach ((BusRange range, RecordingDevice device) in windows)
        {
            if (address >= range.Base && address + (ulong)length <= range.Base + range.Length)
            {
                return (range, device);
            }
        }

        return null;
    }

    /// <summary>A device that records what reaches it and reads as <see cref="Fill"/>.</summary>
    private sealed class RecordingDevice : IBusDevice
    {
        public byte Fill { get; init; }

        public List<ulong> Reads { get; } = [];

        public List<(ulong Offset, byte[] Data)> Writes { get; } = [];

        public void Read(ulong offset, Span<byte> data)
        {
            Reads.Add(offset);
            data.Fill(Fill);
        }

        public void Write(ulong offset, ReadOnlySpan<byte> data) => Writes.Add((offset, data.ToArray()));
    }
}

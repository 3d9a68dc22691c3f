namespace Vmm.Core.Devices;

/// <summary>
/// A sorted, non-overlapping map from bus windows to devices: one instance for port I/O, one for MMIO.
/// Lookups are a binary search over an array and allocate nothing; the map is built before the vCPUs
/// start and read-only afterwards.
/// </summary>
public sealed class DeviceBus
{
    private BusRange[] _ranges = [];
    private IBusDevice[] _devices = [];

    /// <summary>Creates an empty bus named <paramref name="name"/> (for messages).</summary>
    public DeviceBus(string name)
    {
        Name = name;
    }

    /// <summary>The bus name, e.g. "pio" or "mmio".</summary>
    public string Name { get; }

    /// <summary>Number of devices on the bus.</summary>
    public int Count => _ranges.Length;

    /// <summary>Adds <paramref name="device"/> at <paramref name="range"/>.</summary>
    /// <exception cref="ArgumentException">The window is empty, wraps, or overlaps another device's.</exception>
    public void Insert(BusRange range, IBusDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (range.Length == 0)
        {
            throw new ArgumentException($"A device window on the {Name} bus cannot be empty.", nameof(range));
        }

        if (range.Base + range.Length < range.Base)
        {
            throw new ArgumentException($"Device window 0x{range.Base:X}+0x{range.Length:X} wraps the {Name} bus.", nameof(range));
        }

        int at = 0;
        while (at < _ranges.Length && _ranges[at].Base < range.Base)
        {
            at++;
        }

        foreach (BusRange existing in _ranges)
        {
            if (existing.Overlaps(range))
            {
                throw new ArgumentException(
                    $"Device window 0x{range.Base:X}-0x{range.End - 1:X} overlaps 0x{existing.Base:X}-0x{existing.End - 1:X} on the {Name} bus.",
                    nameof(range));
            }
        }

        _ranges = [.. _ranges[..at], range, .. _ranges[at..]];
        _devices = [.. _devices[..at], device, .. _devices[at..]];
    }

    /// <summary>Finds the device whose window holds the whole access [<paramref name="address"/>, +<paramref name="length"/>).</summary>
    public bool TryFind(ulong address, int length, out IBusDevice? device, out ulong offset)
    {
        BusRange[] ranges = _ranges;
        int lo = 0;
        int hi = ranges.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            BusRange r = ranges[mid];
            if (address < r.Base)
            {
                hi = mid - 1;
            }
            else if (address - r.Base >= r.Length)
            {
                lo = mid + 1;
            }
            else
            {
                offset = address - r.Base;
                if ((ulong)length <= r.Length - offset)
                {
                    device = _devices[mid];
                    return true;
                }

                break;
            }
        }

        device = null;
        offset = 0;
        return false;
    }

    /// <summary>Routes a read; returns false (and fills all ones, as an unclaimed ISA bus reads) if no device claims it.</summary>
    public bool Read(ulong address, Span<byte> data)
    {
        if (TryFind(address, data.Length, out IBusDevice? device, out ulong offset))
        {
            device!.Read(offset, data);
            return true;
        }

        data.Fill(0xFF);
        return false;
    }

    /// <summary>Routes a write; returns false (and drops it) if no device claims it.</summary>
    public bool Write(ulong address, ReadOnlySpan<byte> data)
    {
        if (TryFind(address, data.Length, out IBusDevice? device, out ulong offset))
        {
            device!.Write(offset, data);
            return true;
        }

        return false;
    }
}

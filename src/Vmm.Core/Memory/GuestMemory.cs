using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Vmm.Core.Memory;

/// <summary>
/// Guest-physical memory: a sorted set of non-overlapping regions in native host memory. Every access is
/// bounds-checked by guest-physical address (GPA), so nothing the guest passes us can reach host memory
/// outside guest RAM. An access never spans two regions.
/// </summary>
/// <remarks>
/// Thread-safe for concurrent reads and writes once built (the region list is immutable); the guest and
/// other vCPU threads may change the bytes at any time, so callers copy what they validate.
/// </remarks>
public sealed class GuestMemory : IDisposable
{
    private readonly GuestMemoryRegion[] _regions;
    private bool _disposed;

    /// <summary>Creates guest memory over <paramref name="regions"/>; it takes ownership of their blocks.</summary>
    /// <exception cref="ArgumentException">Regions overlap, are empty, or are not page-aligned.</exception>
    public GuestMemory(IEnumerable<GuestMemoryRegion> regions)
    {
        ArgumentNullException.ThrowIfNull(regions);
        _regions = regions.OrderBy(r => r.GuestPhysicalAddress).ToArray();
        if (_regions.Length == 0)
        {
            throw new ArgumentException("Guest memory needs at least one region.", nameof(regions));
        }

        for (int i = 0; i < _regions.Length; i++)
        {
            GuestMemoryRegion r = _regions[i];
            if ((r.GuestPhysicalAddress & 0xFFF) != 0 || (r.Size & 0xFFF) != 0)
            {
                throw new ArgumentException($"Region at GPA 0x{r.GuestPhysicalAddress:X} is not page-aligned.", nameof(regions));
            }

            if (r.End < r.GuestPhysicalAddress)
            {
                throw new ArgumentException($"Region at GPA 0x{r.GuestPhysicalAddress:X} wraps the address space.", nameof(regions));
            }

            if (i > 0 && _regions[i - 1].End > r.GuestPhysicalAddress)
            {
                throw new ArgumentException($"Regions at GPA 0x{_regions[i - 1].GuestPhysicalAddress:X} and 0x{r.GuestPhysicalAddress:X} overlap.", nameof(regions));
            }
        }
    }

    /// <summary>The regions, sorted by address.</summary>
    public IReadOnlyList<GuestMemoryRegion> Regions => _regions;

    /// <summary>Total bytes of RAM.</summary>
    public ulong TotalSize => _regions.Aggregate(0UL, (sum, r) => sum + r.Size);

    /// <summary>Creates guest memory of <paramref name="size"/> bytes at GPA 0 from the runtime's native allocator.</summary>
    public static GuestMemory CreateNative(ulong size) =>
        new([new GuestMemoryRegion(0, NativeHostMemoryBlock.Allocate(size))]);

    /// <summary>True when [<paramref name="gpa"/>, <paramref name="gpa"/> + <paramref name="length"/>) is RAM within one region.</summary>
    public bool Contains(ulong gpa, ulong length) => FindRegion(gpa, length) >= 0;

    /// <summary>
    /// Gets a span over guest RAM at <paramref name="gpa"/>. Fails (returns false, empty span) when any byte
    /// is outside RAM or the range crosses a region boundary.
    /// </summary>
    /// <remarks>The span aliases live guest memory: valid until this object is disposed, never cached across a VM's lifetime.</remarks>
    public unsafe bool TryGetSpan(ulong gpa, int length, out Span<byte> span)
    {
        int index = length < 0 ? -1 : FindRegion(gpa, (ulong)length);
        if (index < 0)
        {
            span = default;
            return false;
        }

        GuestMemoryRegion r = _regions[index];
        // SAFETY: FindRegion proved [gpa, gpa+length) lies inside this region's block, which stays mapped
        // until Dispose; the offset is below the block size, so the pointer stays inside the mapping.
        span = new Span<byte>((byte*)r.Block.Address + (gpa - r.GuestPhysicalAddress), length);
        return true;
    }

    /// <summary>Gets a span over guest RAM, throwing when the range is not RAM. For the VMM's own set-up code.</summary>
    /// <exception cref="GuestMemoryException">The range is outside RAM.</exception>
    public Span<byte> GetSpan(ulong gpa, int length)
    {
        if (!TryGetSpan(gpa, length, out Span<byte> span))
        {
            ThrowOutOfRange(gpa, (ulong)Math.Max(length, 0));
        }

        return span;
    }

    /// <summary>Copies guest bytes into <paramref name="destination"/>; false if the range is not RAM.</summary>
    public bool TryRead(ulong gpa, Span<byte> destination)
    {
        if (!TryGetSpan(gpa, destination.Length, out Span<byte> source))
        {
            return false;
        }

        source.CopyTo(destination);
        return true;
    }

    /// <summary>Copies <paramref name="source"/> into guest memory; false if the range is not RAM.</summary>
    public bool TryWrite(ulong gpa, ReadOnlySpan<byte> source)
    {
        if (!TryGetSpan(gpa, source.Length, out Span<byte> destination))
        {
            return false;
        }

        source.CopyTo(destination);
        return true;
    }

    /// <summary>Reads an unmanaged value (little-endian, as x86 stores it); false if the range is not RAM.</summary>
    public bool TryRead<T>(ulong gpa, out T value)
        where T : unmanaged
    {
        if (!TryGetSpan(gpa, Unsafe.SizeOf<T>(), out Span<byte> source))
        {
            value = default;
            return false;
        }

        value = MemoryMarshal.Read<T>(source);
        return true;
    }

    /// <summary>Writes an unmanaged value; false if the range is not RAM.</summary>
    public bool TryWrite<T>(ulong gpa, in T value)
        where T : unmanaged
    {
        if (!TryGetSpan(gpa, Unsafe.SizeOf<T>(), out Span<byte> destination))
        {
            return false;
        }

        MemoryMarshal.Write(destination, in value);
        return true;
    }

    /// <summary>Reads an unmanaged value, throwing when the range is not RAM.</summary>
    /// <exception cref="GuestMemoryException">The range is outside RAM.</exception>
    public T Read<T>(ulong gpa)
        where T : unmanaged => MemoryMarshal.Read<T>(GetSpan(gpa, Unsafe.SizeOf<T>()));

    /// <summary>Writes an unmanaged value, throwing when the range is not RAM.</summary>
    /// <exception cref="GuestMemoryException">The range is outside RAM.</exception>
    public void Write<T>(ulong gpa, in T value)
        where T : unmanaged => MemoryMarshal.Write(GetSpan(gpa, Unsafe.SizeOf<T>()), in value);

    /// <summary>Copies <paramref name="source"/> into guest memory, throwing when the range is not RAM.</summary>
    /// <exception cref="GuestMemoryException">The range is outside RAM.</exception>
    public void Write(ulong gpa, ReadOnlySpan<byte> source) => source.CopyTo(GetSpan(gpa, source.Length));

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (GuestMemoryRegion r in _regions)
        {
            r.Block.Dispose();
        }
    }

    private int FindRegion(ulong gpa, ulong length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        GuestMemoryRegion[] regions = _regions;
        for (int i = 0; i < regions.Length; i++)
        {
            GuestMemoryRegion r = regions[i];
            if (gpa >= r.GuestPhysicalAddress && gpa < r.End)
            {
                // Compare lengths, not end addresses, so gpa + length cannot overflow past 2^64.
                return length <= r.End - gpa ? i : -1;
            }
        }

        return -1;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowOutOfRange(ulong gpa, ulong length) => throw new GuestMemoryException(gpa, length);
}

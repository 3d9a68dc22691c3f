namespace Vmm.Core.Memory;

/// <summary>
/// A block of native host memory that backs guest RAM. Backends allocate it the way their platform maps
/// it best (mmap on Linux, VirtualAlloc on Windows); it is never a managed array, so the GC never moves
/// it and a running guest never blocks a collection.
/// </summary>
/// <remarks>The block must be page-aligned, zero-filled and stay mapped until disposed.</remarks>
public abstract class HostMemoryBlock : IDisposable
{
    /// <summary>Creates the wrapper for a block at <paramref name="address"/> of <paramref name="size"/> bytes.</summary>
    protected HostMemoryBlock(nint address, ulong size)
    {
        ArgumentOutOfRangeException.ThrowIfZero(size);
        if (address == 0 || (address & 0xFFF) != 0)
        {
            throw new ArgumentException("Host memory for guest RAM must be page-aligned.", nameof(address));
        }

        Address = address;
        Size = size;
    }

    /// <summary>Host virtual address of the first byte.</summary>
    public nint Address { get; private set; }

    /// <summary>Size in bytes.</summary>
    public ulong Size { get; }

    /// <summary>True once the block has been released.</summary>
    public bool IsDisposed => Address == 0;

    /// <inheritdoc />
    public void Dispose()
    {
        if (Address != 0)
        {
            Release(Address, Size);
            Address = 0;
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Returns the memory to the host.</summary>
    protected abstract void Release(nint address, ulong size);
}

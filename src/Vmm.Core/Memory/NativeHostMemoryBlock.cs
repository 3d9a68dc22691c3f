using System.Runtime.InteropServices;

namespace Vmm.Core.Memory;

/// <summary>
/// Host memory from the runtime's native allocator, for guest memory that no hypervisor maps (unit tests,
/// fakes). Backends use their own page-granular allocation instead.
/// </summary>
public sealed class NativeHostMemoryBlock : HostMemoryBlock
{
    private readonly nint _allocation;

    private NativeHostMemoryBlock(nint allocation, nint aligned, ulong size)
        : base(aligned, size)
    {
        _allocation = allocation;
    }

    /// <summary>Allocates <paramref name="size"/> zeroed, page-aligned bytes.</summary>
    public static unsafe NativeHostMemoryBlock Allocate(ulong size)
    {
        ArgumentOutOfRangeException.ThrowIfZero(size);
        // The page of alignment slack is added below; a size within a page of nuint.MaxValue would wrap that
        // sum to a tiny allocation while Size still claimed the whole request.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, (ulong)nuint.MaxValue - 4096);
        // SAFETY: size + 4096 does not wrap (checked above), and AllocZeroed returns a fresh block of that
        // many bytes that nobody else references; aligning up inside it leaves at least `size` bytes. For
        // large sizes the allocator maps fresh, lazily zeroed pages, so untouched guest RAM costs nothing.
        nint raw = (nint)NativeMemory.AllocZeroed((nuint)(size + 4096));
        nint aligned = (raw + 4095) & ~(nint)4095;
        return new NativeHostMemoryBlock(raw, aligned, size);
    }

    /// <inheritdoc />
    protected override unsafe void Release(nint address, ulong size)
    {
        // SAFETY: _allocation came from NativeMemory.AllocZeroed and is freed exactly once (base Dispose).
        NativeMemory.Free((void*)_allocation);
    }
}

using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Vmm.Core.Hypervisor;
using Vmm.Core.Memory;
using static Vmm.Whp.Interop.Kernel32;

namespace Vmm.Whp;

/// <summary>
/// Guest RAM from VirtualAlloc (MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE): page-aligned (allocation
/// granularity 64 KiB), zero-filled, backed by the page file lazily, never moved by the GC.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed class WhpHostMemoryBlock : HostMemoryBlock
{
    private WhpHostMemoryBlock(nint address, ulong size)
        : base(address, size)
    {
    }

    public static WhpHostMemoryBlock Allocate(ulong size)
    {
        ArgumentOutOfRangeException.ThrowIfZero(size);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, (ulong)nuint.MaxValue - 0xFFF);
        ulong rounded = (size + 0xFFF) & ~0xFFFUL;
        nint address = VirtualAlloc(0, (nuint)rounded, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
        if (address == 0)
        {
            int error = Marshal.GetLastPInvokeError();
            throw new HypervisorException($"Cannot allocate {rounded >> 20} MiB of guest memory (Win32 error {error}).", nameof(VirtualAlloc), error);
        }

        return new WhpHostMemoryBlock(address, rounded);
    }

    // MEM_RELEASE frees the whole reservation and requires size 0 (memoryapi.h VirtualFree).
    protected override void Release(nint address, ulong size) => _ = VirtualFree(address, 0, MEM_RELEASE);
}

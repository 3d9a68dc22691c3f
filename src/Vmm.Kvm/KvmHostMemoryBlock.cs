using System.Runtime.InteropServices;
using Vmm.Core.Hypervisor;
using Vmm.Core.Memory;
using static Vmm.Kvm.Interop.Interop;

namespace Vmm.Kvm;

/// <summary>Guest RAM from an anonymous private mapping: page-aligned, zeroed, committed lazily (MAP_NORESERVE).</summary>
internal sealed class KvmHostMemoryBlock : HostMemoryBlock
{
    private KvmHostMemoryBlock(nint address, ulong size)
        : base(address, size)
    {
    }

    public static KvmHostMemoryBlock Allocate(ulong size)
    {
        ulong rounded = (size + 0xFFF) & ~0xFFFUL;
        nint address = Libc.Mmap(0, (nuint)rounded, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_NORESERVE, -1, 0);
        if (address == Libc.MAP_FAILED)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new HypervisorException($"Cannot allocate {rounded >> 20} MiB of guest memory: {Libc.ErrorMessage(errno)}", "mmap", errno);
        }

        return new KvmHostMemoryBlock(address, rounded);
    }

    protected override void Release(nint address, ulong size) => _ = Libc.Munmap(address, (nuint)size);
}

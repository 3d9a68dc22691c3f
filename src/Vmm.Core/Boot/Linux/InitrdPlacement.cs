using Vmm.Core.Boot.Elf;

namespace Vmm.Core.Boot.Linux;

/// <summary>
/// Chooses where the initrd goes: as high as possible in RAM (where the kernel's early allocations are least
/// likely to want it), page aligned, its last byte at or below <c>initrd_addr_max</c> (boot.rst), and never over
/// the range the kernel occupies while it starts ([load address, runtime address + <c>init_size</c>)) nor
/// below 1 MiB (boot_params, the command line, the MP table and the long-mode tables live there).
/// </summary>
public static class InitrdPlacement
{
    /// <summary>Initrd alignment: a page (the kernel frees initrd memory by pages).</summary>
    public const ulong Alignment = 0x1000;

    /// <summary>The guest-physical address of an initrd of <paramref name="size"/> bytes.</summary>
    /// <param name="size">Initrd size in bytes (non-zero).</param>
    /// <param name="addressMax">The highest address its last byte may have (<c>initrd_addr_max</c>).</param>
    /// <param name="map">The e820 map the guest gets.</param>
    /// <param name="kernelStart">First byte the kernel occupies.</param>
    /// <param name="kernelEnd">One past the last byte the kernel occupies.</param>
    /// <exception cref="KernelLoadException">It does not fit (the message says why).</exception>
    public static ulong Place(ulong size, ulong addressMax, IReadOnlyList<E820Entry> map, ulong kernelStart, ulong kernelEnd)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentOutOfRangeException.ThrowIfZero(size);
        ulong ram = E820Map.RamEntries(map).Aggregate(0UL, (sum, e) => sum + e.Size);
        if (size > ram)
        {
            throw new KernelLoadException($"the initrd ({Describe(size)}) is larger than the guest's RAM ({Describe(ram)}): give the VM more memory (--memory)");
        }

        ulong limit = addressMax == ulong.MaxValue ? ulong.MaxValue : addressMax + 1;
        foreach (E820Entry e in E820Map.RamEntries(map).OrderByDescending(e => e.Address))
        {
            ulong top = Math.Min(e.End, limit) & ~(Alignment - 1);
            ulong bottom = Math.Max(e.Address, LinuxBootLayout.HighMemory);
            if (top <= bottom || top - bottom < size)
            {
                continue;
            }

            ulong address = (top - size) & ~(Alignment - 1);
            if (address < kernelEnd && kernelStart < address + size)
            {
                // Below the kernel instead, if there is room between the kernel and the bottom of this range.
                if (kernelStart <= bottom || kernelStart - bottom < size)
                {
                    continue;
                }

                address = (Math.Min(kernelStart, top) - size) & ~(Alignment - 1);
                if (address < bottom)
                {
                    continue;
                }
            }

            return address;
        }

        if (size > limit)
        {
            throw new KernelLoadException(
                $"the initrd ({Describe(size)}) does not fit below the kernel's initrd_addr_max 0x{addressMax:X}");
        }

        throw new KernelLoadException(
            $"the initrd ({Describe(size)}) does not fit in RAM below initrd_addr_max 0x{addressMax:X} beside the kernel "
            + $"(0x{kernelStart:X}-0x{kernelEnd - 1:X}): give the VM more memory (--memory)");
    }

    internal static string Describe(ulong bytes) => bytes >= 1 << 20 ? $"{bytes / (double)(1 << 20):0.#} MiB" : $"{bytes} bytes";
}

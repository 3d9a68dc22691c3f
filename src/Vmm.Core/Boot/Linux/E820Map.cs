namespace Vmm.Core.Boot.Linux;

/// <summary>
/// Builds the e820 memory map a Linux guest reads from boot_params: RAM below 1 MiB up to the end of
/// conventional memory, the legacy area reserved up to 1 MiB, RAM from 1 MiB, and no RAM in the 32-bit
/// device hole (<see cref="LinuxBootLayout.DeviceHoleStart"/> to 4 GiB).
/// </summary>
/// <remarks>
/// Why each rule: the kernel takes the AP real-mode trampoline from RAM below 1 MiB (arch/x86/realmode/init.c
/// <c>reserve_real_mode</c>: without it secondary CPUs cannot start); it scans [0x9FC00, 0xA0000) for the MP
/// floating pointer, which therefore sits in the reserved part (arch/x86/kernel/mpparse.c); and a map of fewer
/// than two entries is ignored in favour of a made-up one (arch/x86/kernel/e820.c <c>append_e820_table</c>).
/// The device hole holds the fixed GPAs of the platform (the KVM scratch slot 0xFEA00000, the steal-time area
/// 0xFEB00000, the I/O APIC 0xFEC00000, the local APIC 0xFEE00000, the VMX real-mode TSS 0xFFFBD000).
/// </remarks>
public static class E820Map
{
    /// <summary>Most entries boot_params holds (E820_MAX_ENTRIES_ZEROPAGE, zero-page.rst).</summary>
    public const int MaxEntries = 128;

    /// <summary>The map for RAM at the given guest-physical ranges.</summary>
    /// <param name="ram">RAM ranges (start, size), sorted, non-overlapping; the first must start at 0.</param>
    /// <exception cref="ArgumentException">No RAM at 0, or less than 1 MiB of it.</exception>
    public static IReadOnlyList<E820Entry> Build(IReadOnlyList<(ulong Start, ulong Size)> ram)
    {
        ArgumentNullException.ThrowIfNull(ram);
        if (ram.Count == 0 || ram[0].Start != 0 || ram[0].Size <= LinuxBootLayout.HighMemory)
        {
            throw new ArgumentException("a Linux guest needs RAM from GPA 0 past 1 MiB", nameof(ram));
        }

        var map = new List<E820Entry>
        {
            new(0, LinuxBootLayout.ConventionalMemoryEnd, E820Type.Ram),
            new(LinuxBootLayout.ConventionalMemoryEnd, LinuxBootLayout.HighMemory - LinuxBootLayout.ConventionalMemoryEnd, E820Type.Reserved),
        };
        foreach ((ulong start, ulong size) in ram)
        {
            AddRam(map, Math.Max(start, LinuxBootLayout.HighMemory), start + size);
        }

        if (map.Count > MaxEntries)
        {
            throw new ArgumentException($"the e820 map has {map.Count} entries, boot_params holds {MaxEntries}", nameof(ram));
        }

        return map;
    }

    /// <summary>The RAM ranges of a map, for placing things in it.</summary>
    public static IEnumerable<E820Entry> RamEntries(IReadOnlyList<E820Entry> map) => map.Where(e => e.Type == E820Type.Ram);

    private static void AddRam(List<E820Entry> map, ulong start, ulong end)
    {
        // Below the hole, and at or above 4 GiB; what falls in the hole is left out (it is not usable as RAM).
        ulong lowEnd = Math.Min(end, LinuxBootLayout.DeviceHoleStart);
        if (start < lowEnd)
        {
            map.Add(new E820Entry(start, lowEnd - start, E820Type.Ram));
        }

        ulong highStart = Math.Max(start, LinuxBootLayout.DeviceHoleEnd);
        if (highStart < end)
        {
            map.Add(new E820Entry(highStart, end - highStart, E820Type.Ram));
        }
    }
}

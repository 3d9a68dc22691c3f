namespace Vmm.Core.Memory;

/// <summary>
/// Translates guest-virtual addresses through the guest's own 4-level page tables, reading them from guest RAM
/// (Intel SDM Vol. 3A §4.5 "4-Level Paging and 5-Level Paging"): PML4E, PDPTE (1 GiB page when PS), PDE (2 MiB
/// page when PS), PTE. For diagnostics (hypercall traces name their callers): it checks only the present bits,
/// never access rights, and it does not set accessed or dirty bits.
/// </summary>
/// <remarks>
/// 5-level paging (CR4.LA57) is not walked: the VMM never enables it and built-in guests do not either. Nothing the
/// guest put in its tables makes this throw: a non-present entry, a table outside RAM or a non-canonical address
/// is a failed translation.
/// </remarks>
public static class GuestPageWalker
{
    private const ulong Present = 1;
    private const ulong PageSizeBit = 1UL << 7;

    // Bits 51:12 of an entry or CR3: the next table's (or the page's) physical address (SDM Table 4-15 ff.).
    private const ulong AddressMask = 0x000F_FFFF_FFFF_F000;

    /// <summary>Translates <paramref name="gva"/> through the tables at <paramref name="cr3"/>.</summary>
    /// <returns>True and the guest-physical address, or false when any level is not present or not in RAM.</returns>
    public static bool TryTranslate(GuestMemory memory, ulong cr3, ulong gva, out ulong gpa)
    {
        ArgumentNullException.ThrowIfNull(memory);
        gpa = 0;

        // Canonical: bits 63:47 all equal (48-bit linear addresses).
        ulong top = gva >> 47;
        if (top != 0 && top != 0x1_FFFF)
        {
            return false;
        }

        ulong table = cr3 & AddressMask;
        for (int level = 3; level >= 0; level--)
        {
            int shift = 12 + (9 * level);
            ulong index = (gva >> shift) & 0x1FF;
            if (!memory.TryRead(table + (index * 8), out ulong entry) || (entry & Present) == 0)
            {
                return false;
            }

            // PS in a PDPTE (level 2) or PDE (level 1) maps a 1 GiB or 2 MiB page; in a PML4E it is reserved.
            bool leaf = level == 0 || ((level is 1 or 2) && (entry & PageSizeBit) != 0);
            if (leaf)
            {
                ulong pageMask = (1UL << shift) - 1;
                gpa = ((entry & AddressMask) & ~pageMask) | (gva & pageMask);
                return true;
            }

            table = entry & AddressMask;
        }

        return false;
    }

    /// <summary>
    /// Copies guest-virtual memory at <paramref name="gva"/> into <paramref name="destination"/>, page by page.
    /// </summary>
    /// <returns>The number of bytes copied from the start: short when a page is not mapped or not RAM.</returns>
    public static int Read(GuestMemory memory, ulong cr3, ulong gva, Span<byte> destination)
    {
        int done = 0;
        while (done < destination.Length)
        {
            ulong address = gva + (ulong)done;
            int inPage = (int)Math.Min((ulong)(destination.Length - done), 4096 - (address & 0xFFF));
            if (!TryTranslate(memory, cr3, address, out ulong gpa) || !memory.TryRead(gpa, destination.Slice(done, inPage)))
            {
                break;
            }

            done += inPage;
        }

        return done;
    }
}

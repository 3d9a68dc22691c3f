using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.TlbFlush;

/// <summary>
/// A decoded GVA range of a flush-list call: <see cref="PageCount"/> 4 KiB pages from GVA page
/// <see cref="FirstPage"/> (GVA = FirstPage × 4096).
/// </summary>
/// <remarks>
/// Decoded from an <see cref="HvGvaRange"/> entry in the basic or the extended encoding (docs/hyperv.md#gva-ranges). Extended
/// large-page entries become the 4 KiB pages they cover (a 2 MiB page = 512 pages, 1 GiB = 262,144; at most 2048 large
/// pages, so the count fits 32 bits). The TLFS wants the whole large page flushed when a GVA lies in one; an
/// INVLPG-style flush of any of its addresses does that. The range is not checked: it may run past the top of the
/// 64-bit space or cover non-canonical or unmapped addresses, which the engine may skip (TLFS: not an error).
/// </remarks>
/// <param name="FirstPage">GVA bits 63:12 of the first page.</param>
/// <param name="PageCount">Number of 4 KiB pages, at least 1.</param>
public readonly record struct GvaRange(ulong FirstPage, uint PageCount)
{
    /// <summary>GVA of the first byte.</summary>
    public ulong FirstAddress => FirstPage << HvGvaRange.PageNumberShift;

    /// <summary>Decodes <paramref name="entry"/> in the encoding the call's flags select.</summary>
    /// <param name="entry">The raw rep element.</param>
    /// <param name="extendedFormat">True when the call set <see cref="HvFlushFlags.UseExtendedRangeFormat"/>.</param>
    public static GvaRange Decode(HvGvaRange entry, bool extendedFormat)
    {
        entry.Decode(extendedFormat, out ulong baseAddress, out ulong pageSize, out int pageCount);
        ulong smallPagesPerPage = pageSize >> HvGvaRange.PageNumberShift;
        return new GvaRange(baseAddress >> HvGvaRange.PageNumberShift, (uint)((ulong)pageCount * smallPagesPerPage));
    }

    /// <summary>"0x7f0000001000+3" (first GVA, pages).</summary>
    public override string ToString() => $"0x{FirstAddress:X}+{PageCount}";
}

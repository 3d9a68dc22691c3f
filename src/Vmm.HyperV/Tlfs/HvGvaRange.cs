namespace Vmm.HyperV.Tlfs;

/// <summary>
/// One GVA range entry (a QWORD rep element) of HvCallFlushVirtualAddressList / ListEx.
/// </summary>
/// <remarks>
/// Two encodings, selected per call by <see cref="HvFlushFlags.UseExtendedRangeFormat"/> (docs/hyperv.md#gva-ranges):
/// <code>
/// basic:              63:12 GVA page number (4 KiB)  11:0 additional pages (0 → 1 page, 0xFFF → 4096 pages)
/// extended, small:    63:12 GVA page number (4 KiB)  11 LargePage = 0             10:0 additional pages
/// extended, large:    63:21 GVA bits 63:21           20:13 reserved  12 PageSize (0 = 2 MiB, 1 = 1 GiB)
///                                                    11 LargePage = 1             10:0 additional pages
/// </code>
/// The basic encoding is TLFS HvCallFlushVirtualAddressList.md ("the bottom 12 bits ... encode the number of
/// additional pages"); the extended one is only in OpenVMM's definitions (docs/hyperv.md#gva-ranges), where the
/// additional-page count of a large entry counts large pages. Invalid or unmapped GVAs are not an error (TLFS).
/// </remarks>
public readonly struct HvGvaRange : IEquatable<HvGvaRange>
{
    /// <summary>4 KiB, the page size of the basic and the extended small encoding.</summary>
    public const ulong SmallPageSize = 1UL << 12;

    /// <summary>2 MiB, an extended large entry with PageSize = 0.</summary>
    public const ulong LargePageSize2M = 1UL << 21;

    /// <summary>1 GiB, an extended large entry with PageSize = 1.</summary>
    public const ulong LargePageSize1G = 1UL << 30;

    /// <summary>Basic encoding: bits 11:0, additional pages.</summary>
    public const ulong BasicAdditionalPagesMask = 0xFFFUL;

    /// <summary>Extended encoding: bits 10:0, additional pages.</summary>
    public const ulong ExtendedAdditionalPagesMask = 0x7FFUL;

    /// <summary>Extended encoding: bit 11, LargePage.</summary>
    public const ulong ExtendedLargePageBit = 1UL << 11;

    /// <summary>Extended large encoding: bit 12, PageSize (0 = 2 MiB, 1 = 1 GiB).</summary>
    public const ulong ExtendedPageSizeBit = 1UL << 12;

    /// <summary>Extended large encoding: bits 20:13, reserved.</summary>
    public const ulong ExtendedLargeReservedMask = 0xFFUL << 13;

    /// <summary>Bit position of the page number (bits 63:12) in the basic and extended small encodings.</summary>
    public const int PageNumberShift = 12;

    /// <summary>Bit position of the large-page number (bits 63:21) in the extended large encoding.</summary>
    public const int LargePageNumberShift = 21;

    /// <summary>Wraps a raw entry as read from the guest.</summary>
    public HvGvaRange(ulong value)
    {
        Value = value;
    }

    /// <summary>The raw QWORD.</summary>
    public ulong Value { get; }

    /// <summary>Basic and extended small encodings: the 4 KiB GVA page number, bits 63:12.</summary>
    public ulong PageNumber => Value >> PageNumberShift;

    /// <summary>Basic encoding: additional pages beyond the first, bits 11:0.</summary>
    public int BasicAdditionalPages => (int)(Value & BasicAdditionalPagesMask);

    /// <summary>Extended encoding: additional pages beyond the first, bits 10:0.</summary>
    public int ExtendedAdditionalPages => (int)(Value & ExtendedAdditionalPagesMask);

    /// <summary>Extended encoding: bit 11, LargePage.</summary>
    public bool IsLargePage => (Value & ExtendedLargePageBit) != 0;

    /// <summary>Extended large encoding: bit 12; true for 1 GiB pages, false for 2 MiB pages.</summary>
    public bool IsOneGigabytePage => (Value & ExtendedPageSizeBit) != 0;

    /// <summary>Extended large encoding: GVA bits 63:21 (the 2 MiB-granular page number).</summary>
    public ulong LargePageNumber => Value >> LargePageNumberShift;

    /// <summary>Builds a basic entry covering <paramref name="additionalPages"/> + 1 pages from <paramref name="pageNumber"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A field does not fit its bit width.</exception>
    public static HvGvaRange CreateBasic(ulong pageNumber, int additionalPages)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageNumber, ulong.MaxValue >> PageNumberShift);
        ArgumentOutOfRangeException.ThrowIfNegative(additionalPages);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(additionalPages, (int)BasicAdditionalPagesMask);
        return new HvGvaRange((pageNumber << PageNumberShift) | (uint)additionalPages);
    }

    /// <summary>Builds an extended entry of 4 KiB pages (LargePage = 0).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A field does not fit its bit width.</exception>
    public static HvGvaRange CreateExtended(ulong pageNumber, int additionalPages)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageNumber, ulong.MaxValue >> PageNumberShift);
        ArgumentOutOfRangeException.ThrowIfNegative(additionalPages);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(additionalPages, (int)ExtendedAdditionalPagesMask);
        return new HvGvaRange((pageNumber << PageNumberShift) | (uint)additionalPages);
    }

    /// <summary>Builds an extended large-page entry (LargePage = 1) whose first page starts at GVA <paramref name="largePageNumber"/> &lt;&lt; 21.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A field does not fit its bit width.</exception>
    public static HvGvaRange CreateExtendedLarge(ulong largePageNumber, bool oneGigabytePages, int additionalPages)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(largePageNumber, ulong.MaxValue >> LargePageNumberShift);
        ArgumentOutOfRangeException.ThrowIfNegative(additionalPages);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(additionalPages, (int)ExtendedAdditionalPagesMask);
        return new HvGvaRange((largePageNumber << LargePageNumberShift)
            | (oneGigabytePages ? ExtendedPageSizeBit : 0)
            | ExtendedLargePageBit
            | (uint)additionalPages);
    }

    /// <summary>
    /// Decodes the entry: first GVA, page size and number of pages, in the encoding the call's flags select.
    /// </summary>
    /// <param name="extendedFormat">True when the call set <see cref="HvFlushFlags.UseExtendedRangeFormat"/>.</param>
    /// <param name="baseAddress">GVA of the first page (page-aligned for its size).</param>
    /// <param name="pageSize">Bytes per page: 4 KiB, 2 MiB or 1 GiB.</param>
    /// <param name="pageCount">Pages covered, 1 to 4096 (basic) or 1 to 2048 (extended).</param>
    public void Decode(bool extendedFormat, out ulong baseAddress, out ulong pageSize, out int pageCount)
    {
        if (!extendedFormat)
        {
            baseAddress = Value & ~BasicAdditionalPagesMask;
            pageSize = SmallPageSize;
            pageCount = BasicAdditionalPages + 1;
        }
        else if (!IsLargePage)
        {
            baseAddress = Value & ~BasicAdditionalPagesMask;
            pageSize = SmallPageSize;
            pageCount = ExtendedAdditionalPages + 1;
        }
        else
        {
            pageSize = IsOneGigabytePage ? LargePageSize1G : LargePageSize2M;
            baseAddress = Value & ~(pageSize - 1);
            pageCount = ExtendedAdditionalPages + 1;
        }
    }

    /// <summary>True when, in the extended encoding, a large entry has reserved bits 20:13 set.</summary>
    public bool HasExtendedReservedBitsSet => IsLargePage && (Value & ExtendedLargeReservedMask) != 0;

    /// <inheritdoc/>
    public bool Equals(HvGvaRange other) => Value == other.Value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is HvGvaRange other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Value.GetHashCode();

    /// <summary>The raw value in hex.</summary>
    public override string ToString() => $"0x{Value:X16}";

    /// <summary>Equality of the raw values.</summary>
    public static bool operator ==(HvGvaRange left, HvGvaRange right) => left.Equals(right);

    /// <summary>Inequality of the raw values.</summary>
    public static bool operator !=(HvGvaRange left, HvGvaRange right) => !left.Equals(right);
}

using System.Runtime.CompilerServices;

namespace Vmm.Whp;

/// <summary>
/// Reads and writes C bitfields that the WHP headers pack into one integer. MSVC allocates bitfields from
/// the least significant bit upward within their declared type, so a field's position is the sum of the
/// widths declared before it.
/// </summary>
/// <remarks>Setters truncate the value to the field width, as a C bitfield assignment does.</remarks>
internal static class BitField
{
    /// <summary>Returns bit <paramref name="bit"/> of <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Get(ulong value, int bit) => ((value >> bit) & 1) != 0;

    /// <summary>Returns <paramref name="value"/> with bit <paramref name="bit"/> set or cleared.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Set(ulong value, int bit, bool on) =>
        on ? value | (1UL << bit) : value & ~(1UL << bit);

    /// <summary>Returns the <paramref name="width"/>-bit field that starts at bit <paramref name="shift"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Get(ulong value, int shift, int width) => (value >> shift) & Mask(width);

    /// <summary>Returns <paramref name="value"/> with the <paramref name="width"/>-bit field at <paramref name="shift"/> replaced.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Set(ulong value, int shift, int width, ulong field)
    {
        ulong mask = Mask(width) << shift;
        return (value & ~mask) | ((field << shift) & mask);
    }

    // Widths are 1..63 in every WHP bitfield; a 64-bit "field" is just the backing integer.
    private static ulong Mask(int width) => (1UL << width) - 1;
}

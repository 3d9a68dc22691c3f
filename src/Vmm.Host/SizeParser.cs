using System.Globalization;

namespace Vmm.Host;

/// <summary>
/// Parses memory sizes as QEMU's <c>-m</c> does: a bare number is MiB; K/M/G/T suffixes are binary units (KiB, MiB,
/// GiB, TiB; "MiB" and "MB" are accepted too); a "B" suffix alone means bytes (e.g. 268435456B).
/// </summary>
public static class SizeParser
{
    /// <summary>Parses <paramref name="text"/> into bytes; false when it is not a size or does not fit 64 bits.</summary>
    public static bool TryParse(string? text, out ulong bytes) => Parse(text, out bytes) == SizeParseStatus.Ok;

    /// <summary>Parses <paramref name="text"/> into bytes, telling a malformed size from one too large for 64 bits.</summary>
    public static SizeParseStatus Parse(string? text, out ulong bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return SizeParseStatus.NotASize;
        }

        string t = text.Trim().ToUpperInvariant();
        int shift = 20;
        if (t.EndsWith("IB", StringComparison.Ordinal) || (t.EndsWith('B') && t.Length > 1 && char.IsLetter(t[^2])))
        {
            t = t[..(t.EndsWith("IB", StringComparison.Ordinal) ? ^2 : ^1)];
        }
        else if (t.EndsWith('B'))
        {
            t = t[..^1];
            shift = 0;
        }

        if (shift != 0 && t.Length > 0 && char.IsLetter(t[^1]))
        {
            shift = t[^1] switch
            {
                'K' => 10,
                'M' => 20,
                'G' => 30,
                'T' => 40,
                _ => -1,
            };
            if (shift < 0)
            {
                return SizeParseStatus.NotASize;
            }

            t = t[..^1];
        }

        if (t.Length == 0 || !t.All(char.IsAsciiDigit))
        {
            return SizeParseStatus.NotASize;
        }

        if (!ulong.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out ulong value) || value > (ulong.MaxValue >> shift))
        {
            return SizeParseStatus.TooLarge;
        }

        bytes = value << shift;
        return SizeParseStatus.Ok;
    }

    /// <summary>Formats bytes as the largest exact binary unit ("256 MiB").</summary>
    public static string Format(ulong bytes) => bytes switch
    {
        _ when bytes >= 1UL << 40 && bytes % (1UL << 40) == 0 => $"{bytes >> 40} TiB",
        _ when bytes >= 1UL << 30 && bytes % (1UL << 30) == 0 => $"{bytes >> 30} GiB",
        _ when bytes >= 1UL << 20 && bytes % (1UL << 20) == 0 => $"{bytes >> 20} MiB",
        _ when bytes >= 1UL << 10 && bytes % (1UL << 10) == 0 => $"{bytes >> 10} KiB",
        _ => $"{bytes} bytes",
    };
}

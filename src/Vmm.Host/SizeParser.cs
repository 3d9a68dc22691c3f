using System.Globalization;

namespace Vmm.Host;

/// <summary>Parses memory sizes such as 256M, 1G, 512MiB, 16777216.</summary>
public static class SizeParser
{
    /// <summary>Parses <paramref name="text"/> into bytes; K/M/G/T suffixes are binary (KiB, MiB, ...).</summary>
    public static bool TryParse(string? text, out ulong bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        string t = text.Trim().ToUpperInvariant();
        if (t.EndsWith("IB", StringComparison.Ordinal))
        {
            t = t[..^2];
        }
        else if (t.EndsWith('B'))
        {
            t = t[..^1];
        }

        int shift = 0;
        if (t.Length > 0 && char.IsLetter(t[^1]))
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
                return false;
            }

            t = t[..^1];
        }

        if (!ulong.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out ulong value) || value == 0)
        {
            return false;
        }

        if (shift > 0 && value > (ulong.MaxValue >> shift))
        {
            return false;
        }

        bytes = value << shift;
        return true;
    }

    /// <summary>Formats bytes as the largest exact binary unit ("256 MiB").</summary>
    public static string Format(ulong bytes) => bytes switch
    {
        _ when bytes >= 1UL << 30 && bytes % (1UL << 30) == 0 => $"{bytes >> 30} GiB",
        _ when bytes >= 1UL << 20 && bytes % (1UL << 20) == 0 => $"{bytes >> 20} MiB",
        _ when bytes >= 1UL << 10 && bytes % (1UL << 10) == 0 => $"{bytes >> 10} KiB",
        _ => $"{bytes} bytes",
    };
}

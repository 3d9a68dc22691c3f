using System.Globalization;
using Vmm.HyperV.Hypercalls;
using Vmm.HyperV.Tlfs;

namespace Vmm.Host.Tracing;

/// <summary>
/// Which trace entries `vmm trace` looks at: vCPUs, call codes (by TLFS name or number), statuses (TLFS name, with
/// or without the HV_STATUS_ prefix, a number, or #UD) and a time window. An empty criterion selects everything.
/// </summary>
public sealed record HypercallTraceFilter
{
    /// <summary>vCPUs to keep, or empty for all.</summary>
    public IReadOnlySet<int> Vcpus { get; init; } = new HashSet<int>();

    /// <summary>Call codes to keep, or empty for all.</summary>
    public IReadOnlySet<int> Codes { get; init; } = new HashSet<int>();

    /// <summary>Statuses to keep as TLFS names or "#UD" (case-insensitive), or empty for all.</summary>
    public IReadOnlySet<string> Statuses { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Keep entries at or after this time (UTC).</summary>
    public DateTime? Since { get; init; }

    /// <summary>Keep entries before this time (UTC).</summary>
    public DateTime? Until { get; init; }

    /// <summary>True when <paramref name="entry"/> is selected.</summary>
    public bool Matches(HypercallTraceEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return (Vcpus.Count == 0 || Vcpus.Contains(entry.Vcpu))
            && (Codes.Count == 0 || Codes.Contains(entry.Code))
            && (Statuses.Count == 0 || Statuses.Contains(entry.StatusKey))
            && (Since is not { } since || entry.Time >= since)
            && (Until is not { } until || entry.Time < until);
    }

    /// <summary>
    /// Parses a `--code` value: a number (decimal or 0x-hex, at most 0xFFFF) or a TLFS call name (case-insensitive).
    /// </summary>
    public static bool TryParseCode(string text, out int code)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (TryParseNumber(text, out code))
        {
            return code is >= 0 and <= 0xFFFF;
        }

        string name = text.Trim();
        foreach (HvCallCodeInfo info in HvCallCodeInfo.All)
        {
            if (string.Equals(info.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                code = (ushort)info.Code;
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Parses a `--status` value into the key the summary uses: "#UD" (or "ud"), a TLFS name with or without the
    /// HV_STATUS_ prefix ("success", "HV_STATUS_ACCESS_DENIED"), or a number (0x6).
    /// </summary>
    public static bool TryParseStatus(string text, out string key)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim();
        if (t.Equals("#UD", StringComparison.OrdinalIgnoreCase) || t.Equals("ud", StringComparison.OrdinalIgnoreCase))
        {
            key = "#UD";
            return true;
        }

        if (TryParseNumber(t, out int value))
        {
            key = value is >= 0 and <= 0xFFFF ? HvStatusNames.TlfsName((HvStatus)value) : string.Empty;
            return key.Length > 0;
        }

        key = t.StartsWith("HV_STATUS_", StringComparison.OrdinalIgnoreCase) ? t.ToUpperInvariant() : "HV_STATUS_" + t.ToUpperInvariant();
        string candidate = key;
        return Enum.GetValues<HvStatus>().Any(s => HvStatusNames.TlfsName(s) == candidate);
    }

    /// <summary>
    /// Parses a `--since`/`--until` value: an ISO 8601 time, or seconds from <paramref name="start"/> (the trace's
    /// first entry), e.g. 2.5.
    /// </summary>
    public static bool TryParseTime(string text, DateTime start, out DateTime time)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && double.IsFinite(seconds))
        {
            time = start.AddSeconds(seconds);
            return true;
        }

        if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out time))
        {
            return true;
        }

        time = default;
        return false;
    }

    private static bool TryParseNumber(string text, out int value)
    {
        string t = text.Trim();
        return t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? int.TryParse(t.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}

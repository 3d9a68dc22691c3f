namespace Vmm.Host.Cli;

/// <summary>Parses repeated `--guest-arg key=value` options: each key once.</summary>
internal static class GuestArguments
{
    /// <summary>The arguments, or the first mistake in <paramref name="error"/>.</summary>
    public static Dictionary<string, string> Parse(IEnumerable<string> pairs, string option, out string? error)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        error = null;
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string pair in pairs)
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            string key = eq <= 0 ? string.Empty : pair[..eq].Trim();
            string value = eq < 0 ? string.Empty : pair[(eq + 1)..].Trim();
            if (key.Length == 0 || value.Length == 0)
            {
                error = $"{option} '{pair}' must look like key=value";
                return result;
            }

            if (result.TryGetValue(key, out string? earlier))
            {
                error = $"{option} {key} is given twice ({key}={earlier} and {key}={value}): give it once";
                return result;
            }

            result[key] = value;
        }

        return result;
    }
}

namespace Vmm.Host.Cli;

/// <summary>Parses repeated `--guest-arg key=value` options.</summary>
internal static class GuestArguments
{
    public static Dictionary<string, string> Parse(IEnumerable<string>? pairs)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string pair in pairs ?? [])
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == pair.Length - 1)
            {
                throw new UsageException($"--guest-arg '{pair}' must look like key=value");
            }

            result[pair[..eq].Trim()] = pair[(eq + 1)..].Trim();
        }

        return result;
    }
}

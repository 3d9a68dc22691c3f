namespace Vmm.Host.Cli;

/// <summary>Finds the valid name nearest to a mistyped one (Levenshtein distance, case-insensitive).</summary>
internal static class NameSuggester
{
    /// <summary>The candidate nearest to <paramref name="typed"/>, and whether it is close enough to be a likely typo.</summary>
    public static (string Nearest, bool Likely) Nearest(string typed, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(typed);
        string best = string.Empty;
        int bestDistance = int.MaxValue;
        foreach (string candidate in candidates)
        {
            int d = Distance(typed.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (d < bestDistance)
            {
                best = candidate;
                bestDistance = d;
            }
        }

        // Within two edits, or a third of the name: a typo rather than a different word.
        return (best, bestDistance <= Math.Max(2, typed.Length / 3));
    }

    /// <summary>"did you mean 'x'?" when a candidate is likely meant, else "nearest: 'x'"; then the valid names.</summary>
    public static string Hint(string typed, IReadOnlyCollection<string> candidates, string what)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        if (candidates.Count == 0)
        {
            return $"there are no {what}";
        }

        (string nearest, bool likely) = Nearest(typed, candidates);
        string list = $"{what}: {string.Join(", ", candidates)}";
        return likely ? $"did you mean '{nearest}'? {list}" : $"nearest: '{nearest}'; {list}";
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitute, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}

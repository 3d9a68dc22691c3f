namespace Vmm.Host.Tracing;

/// <summary>Percentiles of a set of durations in µs (nearest rank).</summary>
public sealed record DurationSummary
{
    /// <summary>Median.</summary>
    public double P50 { get; init; }

    /// <summary>99th percentile.</summary>
    public double P99 { get; init; }

    /// <summary>Largest.</summary>
    public double Max { get; init; }

    /// <summary>Sum.</summary>
    public double Total { get; init; }

    /// <summary>Summarizes <paramref name="values"/> (sorted in place).</summary>
    public static DurationSummary Of(List<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return new DurationSummary();
        }

        values.Sort();
        return new DurationSummary
        {
            P50 = Percentile(values, 0.50),
            P99 = Percentile(values, 0.99),
            Max = values[^1],
            Total = Math.Round(values.Sum(), 3),
        };
    }

    /// <summary>The nearest-rank percentile <paramref name="p"/> (0-1) of sorted <paramref name="sorted"/>.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0)
        {
            return 0;
        }

        int rank = (int)Math.Ceiling(p * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}

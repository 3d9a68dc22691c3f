namespace Vmm.Host.Tracing;

/// <summary>One hypercall's row of a trace summary.</summary>
public sealed record HypercallCallSummary
{
    /// <summary>TLFS call name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Call code.</summary>
    public int Code { get; init; }

    /// <summary>Calls.</summary>
    public long Count { get; init; }

    /// <summary>Calls by status (TLFS name, or "#UD").</summary>
    public IReadOnlyDictionary<string, long> Statuses { get; init; } = new Dictionary<string, long>();

    /// <summary>Dispatcher time per call, µs.</summary>
    public DurationSummary Duration { get; init; } = new();

    /// <summary>Reps completed, summed (rep calls).</summary>
    public long Reps { get; init; }

    /// <summary>Calls left to be continued.</summary>
    public long Continued { get; init; }

    /// <summary>Share of register-based calls, 0-1.</summary>
    public double FastShare { get; init; }

    /// <summary>Share of calls that used XMM registers, 0-1.</summary>
    public double XmmShare { get; init; }
}

namespace Vmm.Host.Tracing;

/// <summary>The flush and IPI calls of a trace: how their target sets were shaped and how the engine served them.</summary>
public sealed record FlushCallSummary
{
    /// <summary>Calls whose target set was read.</summary>
    public long Calls { get; init; }

    /// <summary>Calls by how many vCPUs they targeted.</summary>
    public IReadOnlyDictionary<int, long> TargetCounts { get; init; } = new Dictionary<int, long>();

    /// <summary>Calls by target-set shape: mask, sparse, all.</summary>
    public IReadOnlyDictionary<string, long> Shapes { get; init; } = new Dictionary<string, long>();

    /// <summary>Sparse-set calls by bank count.</summary>
    public IReadOnlyDictionary<int, long> Banks { get; init; } = new Dictionary<int, long>();

    /// <summary>List calls by the number of GVA ranges handed to the engine.</summary>
    public IReadOnlyDictionary<int, long> Ranges { get; init; } = new Dictionary<int, long>();

    /// <summary>Engine requests that flushed everything.</summary>
    public long FlushAll { get; init; }

    /// <summary>Engine requests by strategy.</summary>
    public IReadOnlyDictionary<string, long> Strategies { get; init; } = new Dictionary<string, long>();

    /// <summary>Time in the flush engine per request (queueing, kicking and waiting for targets), µs.</summary>
    public DurationSummary Engine { get; init; } = new();

    /// <summary>Targets kicked and awaited, summed.</summary>
    public long Kicked { get; init; }
}

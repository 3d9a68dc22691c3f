using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vmm.Host.Tracing;

/// <summary>
/// What `vmm trace` reports about a hypercall trace: per call (count, statuses, duration percentiles, reps, fast and
/// XMM shares), per vCPU, the target sets of flush and IPI calls, and the calling sites. Serializes to and from
/// JSON (`vmm trace --json`).
/// </summary>
public sealed record HypercallTraceSummary
{
    /// <summary>Calls selected.</summary>
    public long Calls { get; init; }

    /// <summary>Time of the first selected call.</summary>
    public DateTime? First { get; init; }

    /// <summary>Time of the last selected call.</summary>
    public DateTime? Last { get; init; }

    /// <summary>Per call, most frequent first.</summary>
    public IReadOnlyList<HypercallCallSummary> ByCall { get; init; } = [];

    /// <summary>Per vCPU, by index.</summary>
    public IReadOnlyList<VcpuCallSummary> ByVcpu { get; init; } = [];

    /// <summary>Flush and IPI target sets; null when no selected call had one.</summary>
    public FlushCallSummary? Targets { get; init; }

    /// <summary>Calling sites, most calls first; empty when the trace has no callers.</summary>
    public IReadOnlyList<CallerSummary> Callers { get; init; } = [];

    /// <summary>Lines of the trace that could not be read.</summary>
    public IReadOnlyList<TraceLineError> Errors { get; init; } = [];

    /// <summary>Summarizes the <paramref name="entries"/> <paramref name="filter"/> selects.</summary>
    /// <param name="entries">The trace's entries.</param>
    /// <param name="errors">Its unreadable lines (reported as they are).</param>
    /// <param name="filter">Which entries count; null for all.</param>
    /// <param name="symbols">Guest symbols to name the callers with, or null.</param>
    public static HypercallTraceSummary Build(
        IEnumerable<HypercallTraceEntry> entries, IReadOnlyList<TraceLineError> errors, HypercallTraceFilter? filter = null, SymbolTable? symbols = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(errors);
        List<HypercallTraceEntry> selected = filter is null ? [.. entries] : [.. entries.Where(filter.Matches)];
        return new HypercallTraceSummary
        {
            Calls = selected.Count,
            First = selected.Count == 0 ? null : selected.Min(e => e.Time),
            Last = selected.Count == 0 ? null : selected.Max(e => e.Time),
            ByCall = [.. selected.GroupBy(e => (e.Code, e.Name)).Select(ByCallRow).OrderByDescending(r => r.Count).ThenBy(r => r.Code)],
            ByVcpu = [.. selected.GroupBy(e => e.Vcpu).OrderBy(g => g.Key).Select(ByVcpuRow)],
            Targets = TargetsOf(selected),
            Callers = CallersOf(selected, symbols),
            Errors = errors,
        };
    }

    /// <summary>Reads a summary written by <see cref="ToJson"/>.</summary>
    /// <exception cref="JsonException">The text is not a summary.</exception>
    public static HypercallTraceSummary FromJson(string json) =>
        JsonSerializer.Deserialize(json, TraceSummaryJsonContext.Default.HypercallTraceSummary) ?? throw new JsonException("the JSON is null, not a summary");

    /// <summary>The summary as indented JSON (camelCase; absent values left out).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, TraceSummaryJsonContext.Default.HypercallTraceSummary);

    private static HypercallCallSummary ByCallRow(IGrouping<(int Code, string Name), HypercallTraceEntry> g)
    {
        long count = g.LongCount();
        return new HypercallCallSummary
        {
            Name = g.Key.Name,
            Code = g.Key.Code,
            Count = count,
            Statuses = Histogram(g, e => e.StatusKey),
            Duration = DurationSummary.Of([.. g.Select(e => e.DurationUs)]),
            Reps = g.Where(e => e.Rep && !e.Continued).Sum(e => (long)(e.RepsCompleted ?? 0)),
            Continued = g.LongCount(e => e.Continued),
            FastShare = Math.Round((double)g.LongCount(e => e.Fast) / count, 4),
            XmmShare = Math.Round((double)g.LongCount(e => e.Xmm) / count, 4),
        };
    }

    private static VcpuCallSummary ByVcpuRow(IGrouping<int, HypercallTraceEntry> g) => new()
    {
        Vcpu = g.Key,
        Count = g.LongCount(),
        Failed = g.LongCount(e => e.Ud || e.StatusCode != 0),
        Duration = DurationSummary.Of([.. g.Select(e => e.DurationUs)]),
    };

    private static FlushCallSummary? TargetsOf(List<HypercallTraceEntry> selected)
    {
        List<HypercallTraceEntry> withTargets = [.. selected.Where(e => e.Shape is not null)];
        if (withTargets.Count == 0)
        {
            return null;
        }

        List<HypercallTraceEntry> served = [.. withTargets.Where(e => e.Strategy is not null)];
        return new FlushCallSummary
        {
            Calls = withTargets.Count,
            TargetCounts = Histogram(withTargets.OrderBy(e => e.Targets), e => e.Targets ?? 0),
            Shapes = Histogram(withTargets, e => e.Shape!),
            Banks = Histogram(withTargets.Where(e => e.Shape == "sparse").OrderBy(e => e.Banks), e => e.Banks ?? 0),
            Ranges = Histogram(withTargets.Where(e => e.Ranges is not null).OrderBy(e => e.Ranges), e => e.Ranges ?? 0),
            FlushAll = served.LongCount(e => e.FlushAll == true),
            Strategies = Histogram(served, e => e.Strategy!),
            Engine = DurationSummary.Of([.. served.Select(e => e.FlushUs ?? 0)]),
            Kicked = served.Sum(e => (long)(e.Kicked ?? 0)),
        };
    }

    private static List<CallerSummary> CallersOf(List<HypercallTraceEntry> selected, SymbolTable? symbols) =>
        [.. selected.Where(e => e.Caller is not null).GroupBy(e => e.Caller!.Value).Select(g =>
        {
            byte[]? site = g.Select(e => e.CallSite).FirstOrDefault(s => s is { Length: > 0 });
            (string Text, ulong Address)? call = site is null ? null : CallSiteDisassembler.Disassemble(site, g.Key);
            return new CallerSummary
            {
                Address = g.Key,
                Symbol = symbols?.Resolve(g.Key),
                Count = g.LongCount(),
                Calls = Histogram(g, e => e.Name),
                Instruction = call?.Text,
                InstructionAddress = call?.Address,
            };
        }).OrderByDescending(c => c.Count).ThenBy(c => c.Address)];

    private static Dictionary<TKey, long> Histogram<TKey>(IEnumerable<HypercallTraceEntry> entries, Func<HypercallTraceEntry, TKey> key)
        where TKey : notnull
    {
        var counts = new Dictionary<TKey, long>();
        foreach (HypercallTraceEntry e in entries)
        {
            TKey k = key(e);
            counts[k] = counts.GetValueOrDefault(k) + 1;
        }

        return counts;
    }
}

using System.Globalization;

namespace Vmm.Host.Tracing;

/// <summary>Renders a <see cref="HypercallTraceSummary"/> as the tables `vmm trace` prints.</summary>
public static class HypercallTraceText
{
    /// <summary>Writes <paramref name="summary"/> to <paramref name="output"/>.</summary>
    public static void Write(HypercallTraceSummary summary, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(output);
        double seconds = summary.First is { } first && summary.Last is { } last ? (last - first).TotalSeconds : 0;
        output.WriteLine(Invariant($"{summary.Calls} hypercalls over {seconds:0.000} s, {summary.Errors.Count} unreadable line(s)"));
        foreach (TraceLineError error in summary.Errors.Take(10))
        {
            output.WriteLine($"  {error}");
        }

        if (summary.Errors.Count > 10)
        {
            output.WriteLine(Invariant($"  ... and {summary.Errors.Count - 10} more"));
        }

        if (summary.Calls == 0)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine(Invariant($"{"call",-40} {"code",6} {"count",9} {"p50 us",9} {"p99 us",9} {"max us",10} {"reps",9} {"fast",5} {"xmm",5}  statuses"));
        foreach (HypercallCallSummary row in summary.ByCall)
        {
            string statuses = string.Join(", ", row.Statuses.OrderByDescending(s => s.Value).Select(s => Invariant($"{Short(s.Key)} {s.Value}")));
            output.WriteLine(Invariant(
                $"{row.Name,-40} {"0x" + row.Code.ToString("X4", CultureInfo.InvariantCulture),6} {row.Count,9} {row.Duration.P50,9:0.0} {row.Duration.P99,9:0.0} {row.Duration.Max,10:0.0} {row.Reps,9} {row.FastShare,5:P0} {row.XmmShare,5:P0}  {statuses}"));
        }

        output.WriteLine();
        output.WriteLine(Invariant($"{"vcpu",4} {"count",9} {"failed",9} {"p50 us",9} {"p99 us",9} {"max us",10} {"total ms",10}"));
        foreach (VcpuCallSummary row in summary.ByVcpu)
        {
            output.WriteLine(Invariant(
                $"{row.Vcpu,4} {row.Count,9} {row.Failed,9} {row.Duration.P50,9:0.0} {row.Duration.P99,9:0.0} {row.Duration.Max,10:0.0} {row.Duration.Total / 1000,10:0.0}"));
        }

        if (summary.Targets is { } t)
        {
            output.WriteLine();
            output.WriteLine(Invariant($"flush/IPI target sets: {t.Calls} calls"));
            output.WriteLine($"  shapes:   {Join(t.Shapes)}");
            output.WriteLine($"  targets:  {Join(t.TargetCounts)} (vCPUs: calls)");
            if (t.Banks.Count > 0)
            {
                output.WriteLine($"  banks:    {Join(t.Banks)}");
            }

            if (t.Ranges.Count > 0)
            {
                output.WriteLine($"  ranges:   {Join(t.Ranges)}");
            }

            if (t.Strategies.Count > 0)
            {
                output.WriteLine($"  engine:   {Join(t.Strategies)}; flush-all {t.FlushAll}; kicked {t.Kicked}; " +
                    Invariant($"time in engine p50 {t.Engine.P50:0.0} us, p99 {t.Engine.P99:0.0} us, max {t.Engine.Max:0.0} us"));
            }
        }

        if (summary.Callers.Count > 0)
        {
            output.WriteLine();
            output.WriteLine(Invariant($"{"caller",-18} {"count",9}  {"symbol",-40} call instruction"));
            foreach (CallerSummary c in summary.Callers)
            {
                string call = c.Instruction is null ? "?" : Invariant($"{c.InstructionAddress:x}: {c.Instruction}");
                output.WriteLine(Invariant($"{"0x" + c.Address.ToString("x", CultureInfo.InvariantCulture),-18} {c.Count,9}  {c.Symbol ?? "?",-40} {call}"));
            }
        }
    }

    /// <summary>One line for a followed entry: time, vCPU, call, status, duration, and the caller when known.</summary>
    public static string FormatEntry(HypercallTraceEntry entry, SymbolTable? symbols)
    {
        ArgumentNullException.ThrowIfNull(entry);
        string caller = entry.Caller is { } c ? " from " + (symbols?.Resolve(c) ?? Invariant($"0x{c:x}")) : string.Empty;
        string targets = entry.Shape is null ? string.Empty : Invariant($" targets {entry.Targets} ({entry.Shape})");
        return Invariant($"{entry.Time:HH:mm:ss.ffffff} vcpu {entry.Vcpu} {entry.Name} {Short(entry.StatusKey)} {entry.DurationUs:0.0} us{targets}{caller}");
    }

    private static string Short(string status) =>
        status.StartsWith("HV_STATUS_", StringComparison.Ordinal) ? status["HV_STATUS_".Length..] : status;

    private static string Join<TKey>(IReadOnlyDictionary<TKey, long> counts)
        where TKey : notnull =>
        string.Join(", ", counts.Select(kv => Invariant($"{kv.Key}: {kv.Value}")));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

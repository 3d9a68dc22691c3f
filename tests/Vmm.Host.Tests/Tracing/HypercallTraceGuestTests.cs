using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Vmm.Guests;
using Vmm.Host.Tracing;
using Vmm.HyperV.Cpuid;

using Vmm.Kvm;

namespace Vmm.Host.Tests.Tracing;

/// <summary>`vmm trace` over traces recorded from real runs of the built-in guests on KVM.</summary>
public sealed class HypercallTraceGuestTests
{
    private const string InvalidInput = "HV_STATUS_INVALID_HYPERCALL_INPUT";

    [Fact]
    public void HcfuzzSummaryCountsAndStatusesEqualTheGuestsOwnTally()
    {
        const int Cpus = 2;
        const int Calls = 5000;
        TracedRun run = TracedRun.Record("hcfuzz", Cpus, "linux", new() { ["calls"] = $"{Calls}", ["seed"] = "7" });
        long tally = run.SerialCount(@"(\d+) answered HV_STATUS_INVALID_HYPERCALL_INPUT");
        TraceReadResult read = run.Read();
        Assert.Empty(read.Errors);

        var summary = HypercallTraceSummary.Build(read.Entries, read.Errors);
        Assert.Equal(Cpus * Calls, summary.Calls);
        Assert.Equal(tally, summary.ByCall.Sum(c => c.Statuses.GetValueOrDefault(InvalidInput)));
        Assert.Equal(Cpus * Calls - tally, summary.ByCall.Sum(c => c.Statuses.Where(s => s.Key != InvalidInput).Sum(s => s.Value)));
        Assert.Equal(Enumerable.Repeat((long)Calls, Cpus), summary.ByVcpu.Select(v => v.Count));
        Assert.Equal(run.Statistics.Written, summary.Calls);
        Assert.Equal(0, run.Statistics.Dropped);

        // The status filter selects exactly the tally, and its complement the rest.
        HypercallTraceFilter invalid = new() { Statuses = Set("HV_STATUS_INVALID_HYPERCALL_INPUT") };
        Assert.True(HypercallTraceFilter.TryParseStatus("invalid_hypercall_input", out string key));
        Assert.Equal(InvalidInput, key);
        Assert.Equal(tally, HypercallTraceSummary.Build(read.Entries, read.Errors, invalid).Calls);

        // Negative control: a trace missing one such record no longer equals the tally.
        int drop = read.Entries.ToList().FindIndex(e => e.StatusKey == InvalidInput);
        var fewer = read.Entries.Where((_, i) => i != drop).ToList();
        Assert.NotEqual(tally, HypercallTraceSummary.Build(fewer, read.Errors, invalid).Calls);
    }

    [Fact]
    public void TlbstormTraceShowsEveryFlushWithItsTargetSetAndStrategy()
    {
        const int Cpus = 4;
        const int Rounds = 60;
        TracedRun run = TracedRun.Record("tlbstorm", Cpus, "windows", new() { ["rounds"] = $"{Rounds}" });
        TraceReadResult read = run.Read();
        var summary = HypercallTraceSummary.Build(read.Entries, read.Errors);

        Assert.Equal(Cpus * Rounds, summary.Calls);
        Assert.All(summary.ByVcpu, v => Assert.Equal(Rounds, v.Count));
        Assert.All(summary.ByCall, c => Assert.Equal(c.Count, c.Statuses.GetValueOrDefault("HV_STATUS_SUCCESS")));
        FlushCallSummary targets = Assert.IsType<FlushCallSummary>(summary.Targets);
        Assert.Equal(Cpus * Rounds, targets.Calls);
        Assert.Equal(Cpus * Rounds, targets.Strategies.Values.Sum());

        // Each vCPU flushes all the others: a mask or sparse set names the 3 others, "all" resolves to all 4.
        Assert.Equal(new[] { Cpus - 1, Cpus }, targets.TargetCounts.Keys.Order());
        Assert.Equal(targets.Shapes.GetValueOrDefault("all"), targets.TargetCounts[Cpus]);
        Assert.True(targets.Shapes.GetValueOrDefault("mask") > 0 && targets.Shapes.GetValueOrDefault("sparse") > 0, string.Join(", ", targets.Shapes));
        Assert.All(read.Entries.Where(e => e.Shape == "sparse"), e => Assert.Equal(1, e.Banks));
        Assert.All(read.Entries.Where(e => e.Name.StartsWith("HvCallFlushVirtualAddressList", StringComparison.Ordinal)), e => Assert.Equal(1, e.Ranges));
        Assert.All(read.Entries.Where(e => e.Name.StartsWith("HvCallFlushVirtualAddressSpace", StringComparison.Ordinal)), e => Assert.True(e.FlushAll));
        Assert.All(read.Entries, e => Assert.Equal("read", e.CallerState));

        // The code filter selects exactly the lines of that code, by name or by number.
        foreach (string name in read.Entries.Select(e => e.Name).Distinct())
        {
            Assert.True(HypercallTraceFilter.TryParseCode(name, out int code));
            Assert.True(HypercallTraceFilter.TryParseCode($"0x{code:X}", out int byNumber));
            Assert.Equal(code, byNumber);
            int lines = run.Trace.Split('\n').Count(l => l.Contains($"\"name\":\"{name}\"", StringComparison.Ordinal));
            var selected = read.Entries.Where(new HypercallTraceFilter { Codes = new HashSet<int> { code } }.Matches).ToList();
            Assert.Equal(lines, selected.Count);
            Assert.All(selected, e => Assert.Equal(name, e.Name));
        }

        // vCPU and time filters partition the trace exactly.
        for (int vcpu = 0; vcpu < Cpus; vcpu++)
        {
            var one = read.Entries.Where(new HypercallTraceFilter { Vcpus = new HashSet<int> { vcpu } }.Matches).ToList();
            Assert.Equal(Rounds, one.Count);
            Assert.All(one, e => Assert.Equal(vcpu, e.Vcpu));
        }

        DateTime start = read.Entries.Min(e => e.Time);
        DateTime middle = read.Entries.OrderBy(e => e.Time).ElementAt(read.Entries.Count / 2).Time;
        Assert.True(HypercallTraceFilter.TryParseTime(
            (middle - start).TotalSeconds.ToString("R", CultureInfo.InvariantCulture), start, out DateTime parsed));
        var before = read.Entries.Where(new HypercallTraceFilter { Until = parsed }.Matches).ToList();
        var after = read.Entries.Where(new HypercallTraceFilter { Since = parsed }.Matches).ToList();
        Assert.Equal(read.Entries.Count, before.Count + after.Count);
        Assert.All(before, e => Assert.True(e.Time < parsed));
        Assert.All(after, e => Assert.True(e.Time >= parsed));
        Assert.NotEmpty(before);
        Assert.NotEmpty(after);

        // --json round-trips; the plot is an SVG document with one panel for the rate and one per call.
        string json = summary.ToJson();
        Assert.Equal(json, HypercallTraceSummary.FromJson(json).ToJson());
        XDocument svg = XDocument.Parse(HypercallTracePlot.Render(read.Entries).ToString());
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(ns + "svg", svg.Root!.Name);
        Assert.Equal(1 + summary.ByCall.Count, svg.Root.Elements(ns + "svg").Count());
        Assert.Contains(svg.Descendants(), e => e.Value.Contains("HvCallFlushVirtualAddressSpace", StringComparison.Ordinal));
    }

    [Fact]
    public void HvprobeTraceShowsTheProbesRejectedCallsPerVcpu()
    {
        const int Cpus = 2;
        TracedRun run = TracedRun.Record("hvprobe", Cpus, "windows", []);
        TraceReadResult read = run.Read();
        var summary = HypercallTraceSummary.Build(read.Entries, read.Errors);

        // Per vCPU the probe makes one call with an unknown code 0xBEEF and gets #UD from the VMM for a call from
        // compatibility mode and, where guest user mode can reach the trapping OUT (upstream KVM), for one from CPL3;
        // PVM refuses the CPL3 call with #GP before the VMM sees it (README, "The guest environment").
        int udPerVcpu = OperatingSystem.IsLinux() && KvmHypervisor.DetectFlavor() == KvmFlavor.Pvm ? 1 : 2;
        HypercallCallSummary unknown = Assert.Single(summary.ByCall, c => c.Code == 0xBEEF);
        Assert.Equal(Cpus, unknown.Statuses["HV_STATUS_INVALID_HYPERCALL_CODE"]);
        Assert.Equal(Cpus * udPerVcpu, summary.ByCall.Sum(c => c.Statuses.GetValueOrDefault("#UD")));
        var ud = new HypercallTraceFilter { Statuses = Set("#UD") };
        Assert.All(read.Entries.Where(ud.Matches), e => Assert.True(e.Ud));
        Assert.Equal(
            Enumerable.Range(0, Cpus).SelectMany(v => Enumerable.Repeat(v, udPerVcpu)),
            read.Entries.Where(ud.Matches).Select(e => e.Vcpu).Order());
    }

    [Fact]
    public void CallersResolveToTheTwoGuestFunctionsAndShowTheirCallInstructions()
    {
        const int Alpha = 30;
        const int Beta = 20;
        var arguments = new Dictionary<string, string> { ["alpha"] = $"{Alpha}", ["beta"] = $"{Beta}" };
        TracedRun run = TracedRun.Record("hccallers", 1, "linux", arguments);
        GuestImage image = new HypercallCallersGuest().Build(new GuestBuildContext(1, 64UL << 20, arguments, HyperVFeatureProfile.Linux));
        SymbolTable symbols = SymbolTable.Parse(new StringReader(SystemMap(image.Symbols)));
        TraceReadResult read = run.Read();

        var summary = HypercallTraceSummary.Build(read.Entries, read.Errors, symbols: symbols);
        Assert.Equal(2, summary.Callers.Count);
        CallerSummary alpha = Assert.Single(summary.Callers, c => c.Symbol!.StartsWith(HypercallCallersGuest.AlphaSymbol + "+0x", StringComparison.Ordinal));
        CallerSummary beta = Assert.Single(summary.Callers, c => c.Symbol!.StartsWith(HypercallCallersGuest.BetaSymbol + "+0x", StringComparison.Ordinal));
        Assert.Equal(Alpha, alpha.Count);
        Assert.Equal(Beta, beta.Count);
        Assert.Equal("call r11", alpha.Instruction);
        Assert.StartsWith("call qword ptr [", beta.Instruction, StringComparison.Ordinal);
        Assert.Equal(alpha.Address - 3, alpha.InstructionAddress);
        Assert.Equal(beta.Address - 6, beta.InstructionAddress);

        var text = new StringWriter();
        HypercallTraceText.Write(summary, text);
        Assert.Contains("call r11", text.ToString(), StringComparison.Ordinal);

        // Negative control: a symbol file that names only caller_alpha puts caller_beta's calls inside it.
        var alphaOnly = SymbolTable.Parse(new StringReader(SystemMap(image.Symbols.Where(s => s.Key == HypercallCallersGuest.AlphaSymbol))));
        var wrong = HypercallTraceSummary.Build(read.Entries, read.Errors, symbols: alphaOnly);
        Assert.All(wrong.Callers, c => Assert.StartsWith(HypercallCallersGuest.AlphaSymbol, c.Symbol!, StringComparison.Ordinal));
    }

    [Fact]
    public void BoundedTraceOfAFastGuestEndsNormallyWithinItsBoundAndCountsTheDrops()
    {
        const int Iterations = 32_000;
        const long Bound = 64 * 1024;
        TracedRun run = TracedRun.Record("hypercalls", 1, "linux", new() { ["iterations"] = $"{Iterations}" }, Bound);

        Assert.True(Encoding.UTF8.GetByteCount(run.Trace) <= Bound);
        Assert.Equal(run.Statistics.WrittenBytes, Encoding.UTF8.GetByteCount(run.Trace));
        Assert.True(run.Statistics.DroppedSizeLimit > 0, run.Statistics.ToString());
        Assert.Equal(Iterations, run.Statistics.Written + run.Statistics.Dropped);
        TraceReadResult read = run.Read();
        Assert.Empty(read.Errors);
        Assert.Equal(run.Statistics.Written, read.Entries.Count);
        Assert.Contains($"{run.Statistics.Dropped} dropped", run.Statistics.ToString(), StringComparison.Ordinal);
    }

    private static HashSet<string> Set(params string[] values) => new(values, StringComparer.OrdinalIgnoreCase);

    private static string SystemMap(IEnumerable<KeyValuePair<string, ulong>> symbols) =>
        string.Concat(symbols.OrderBy(s => s.Value).Select(s => $"{s.Value:x16} T {s.Key}\n"));
}

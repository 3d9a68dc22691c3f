using System.CommandLine;
using System.Globalization;
using Vmm.Host.Tracing;

namespace Vmm.Host.Cli;

/// <summary>`vmm trace FILE`: reads a hypercall trace (`vmm run --trace-hypercalls`) and summarizes it.</summary>
internal static class TraceCommand
{
    public static Command Create(CliContext context)
    {
        var file = new Argument<string>("FILE") { Description = "A trace written by vmm run --trace-hypercalls" };
        var vcpu = new Option<string[]>("--vcpu")
        {
            Description = "Only calls from these vCPUs (repeatable, or a comma list: 0,2)",
            HelpName = "N",
        };
        var code = new Option<string[]>("--code")
        {
            Description = "Only these calls, by TLFS name or number (repeatable, or a comma list: HvCallFlushVirtualAddressSpace,0x13)",
            HelpName = "NAME|NUMBER",
        };
        var status = new Option<string[]>("--status")
        {
            Description = "Only calls that ended with these statuses: a TLFS name with or without HV_STATUS_ (success, ACCESS_DENIED), a number, or ud (repeatable, or a comma list)",
            HelpName = "STATUS",
        };
        var since = new Option<string?>("--since")
        {
            Description = "Only calls at or after TIME: an ISO 8601 time, or seconds after the trace's first call",
            HelpName = "TIME",
        };
        var until = new Option<string?>("--until")
        {
            Description = "Only calls before TIME: an ISO 8601 time, or seconds after the trace's first call",
            HelpName = "TIME",
        };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON" };
        var symbols = new Option<string?>("--symbols")
        {
            Description = "Name callers with the guest's symbols: a System.map or /proc/kallsyms text",
            HelpName = "FILE",
        };
        var plot = new Option<string?>("--plot")
        {
            Description = "Draw the call rate over time and a latency histogram per hypercall into FILE.svg",
            HelpName = "FILE.svg",
        };
        var follow = new Option<bool>("--follow", "-f")
        {
            Description = "Watch a trace a running VM is writing: print each call as it arrives; Ctrl-C prints the summary",
        };

        var command = new Command("trace", """
            Summarize a hypercall trace: per call (count, statuses, p50/p99/max time in the dispatcher, reps,
            fast/XMM share), per vCPU, the target sets of flush and IPI calls, and the calling sites.

            Examples:
              vmm run --guest tlbstorm --cpus 4 --hv windows --trace-hypercalls calls.jsonl
              vmm trace calls.jsonl
              vmm trace calls.jsonl --code HvCallFlushVirtualAddressListEx --vcpu 0,1 --status success
              vmm trace calls.jsonl --since 1.5 --until 2 --json
              vmm trace calls.jsonl --symbols System.map --plot calls.svg
              vmm trace calls.jsonl --follow
            """);
        command.Add(file);
        command.Add(vcpu);
        command.Add(code);
        command.Add(status);
        command.Add(since);
        command.Add(until);
        command.Add(json);
        command.Add(symbols);
        command.Add(plot);
        command.Add(follow);
        command.SetAction(result =>
        {
            string path = result.GetValue(file)!;
            var filter = new HypercallTraceFilter
            {
                Vcpus = ParseList<int>(result.GetValue(vcpu), "--vcpu", (string text, out int n) =>
                    int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out n)),
                Codes = ParseList<int>(result.GetValue(code), "--code", HypercallTraceFilter.TryParseCode),
                Statuses = ParseList<string>(result.GetValue(status), "--status", HypercallTraceFilter.TryParseStatus, StringComparer.OrdinalIgnoreCase),
            };
            SymbolTable? table = LoadSymbols(result.GetValue(symbols));
            string? plotPath = result.GetValue(plot);
            if (!result.GetValue(follow) && !File.Exists(path))
            {
                throw new UsageException($"trace file '{path}' does not exist");
            }

            List<HypercallTraceEntry> entries;
            List<TraceLineError> errors;
            if (result.GetValue(follow))
            {
                (entries, errors) = Follow(path, filter, table, context);
                filter = WithTimes(filter, entries, result.GetValue(since), result.GetValue(until));
            }
            else
            {
                TraceReadResult read = ReadTrace(path);
                entries = [.. read.Entries];
                errors = [.. read.Errors];
                filter = WithTimes(filter, entries, result.GetValue(since), result.GetValue(until));
            }

            var summary = HypercallTraceSummary.Build(entries, errors, filter, table);
            if (result.GetValue(json))
            {
                context.Out.WriteLine(summary.ToJson());
            }
            else
            {
                HypercallTraceText.Write(summary, context.Out);
            }

            if (plotPath is not null)
            {
                try
                {
                    HypercallTracePlot.Save([.. entries.Where(filter.Matches)], plotPath);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new UsageException($"cannot write --plot file '{plotPath}': {e.Message}");
                }

                context.Error.WriteLine($"vmm: plot written to {plotPath}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static TraceReadResult ReadTrace(string path)
    {
        try
        {
            return HypercallTraceReader.ReadFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read trace file '{path}': {e.Message}");
        }
    }

    private static (List<HypercallTraceEntry>, List<TraceLineError>) Follow(string path, HypercallTraceFilter filter, SymbolTable? symbols, CliContext context)
    {
        var entries = new List<HypercallTraceEntry>();
        var errors = new List<TraceLineError>();
        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            HypercallTraceFollower.Follow(
                path,
                entry =>
                {
                    entries.Add(entry);
                    if (filter.Matches(entry))
                    {
                        context.Out.WriteLine(HypercallTraceText.FormatEntry(entry, symbols));
                    }
                },
                error =>
                {
                    errors.Add(error);
                    context.Error.WriteLine($"vmm: {path}: {error}");
                },
                stop.Token);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }

        return (entries, errors);
    }

    private static HypercallTraceFilter WithTimes(HypercallTraceFilter filter, List<HypercallTraceEntry> entries, string? since, string? until)
    {
        DateTime start = entries.Count == 0 ? DateTime.UnixEpoch : entries.Min(e => e.Time);
        return filter with { Since = ParseTime(since, start, "--since"), Until = ParseTime(until, start, "--until") };
    }

    private static DateTime? ParseTime(string? text, DateTime start, string option) =>
        text is null ? null
        : HypercallTraceFilter.TryParseTime(text, start, out DateTime time) ? time
        : throw new UsageException($"{option} must be an ISO 8601 time or seconds after the first call, not '{text}'");

    private static SymbolTable? LoadSymbols(string? path)
    {
        if (path is null)
        {
            return null;
        }

        try
        {
            SymbolTable table = SymbolTable.Load(path);
            return table.Count > 0 ? table : throw new UsageException($"--symbols file '{path}' has no symbols (expected System.map or /proc/kallsyms lines: ADDRESS TYPE NAME)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read --symbols file '{path}': {e.Message}");
        }
    }

    private static HashSet<T> ParseList<T>(string[]? values, string option, TryParse<T> parse, IEqualityComparer<T>? comparer = null)
    {
        var set = new HashSet<T>(comparer);
        foreach (string text in (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!parse(text, out T value))
            {
                throw new UsageException($"{option}: '{text}' is not valid");
            }

            set.Add(value);
        }

        return set;
    }

    private delegate bool TryParse<T>(string text, out T value);
}

using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Serilog.Core;
using Spectre.Console;
using Vmm.Core.Hypervisor;
using Vmm.Core.Machine;
using Vmm.Guests;
using Vmm.Host.Logging;

namespace Vmm.Host.Cli;

/// <summary>`vmm bench …`: benchmarks that run real guests. Figures are medians of several runs.</summary>
internal static class BenchCommand
{
    /// <summary>The largest --reference program read as a file check (it is executed, not read).</summary>
    private const ulong MaxReferenceBytes = 64UL << 20;

    public static Command Create(CliContext context)
    {
        var bench = new Command("bench", "Benchmarks that run real guests (medians of several runs).");
        bench.Add(CreateExits(context));
        bench.Add(CreateHypercalls(context));
        bench.Add(FlushBenchCommand.Create(context));
        bench.Add(LinuxBootBenchCommand.Create(context));
        bench.Add(LinuxFlushBenchCommand.Create(context));
        return bench;
    }

    /// <summary>`--runs R`: 1 to 1000, default 5.</summary>
    internal static Option<int> RunsOption(string description) => new("--runs")
    {
        Description = description + " (1 to 1000)",
        DefaultValueFactory = _ => 5,
        CustomParser = r => CliParsers.ParseInt(r, 1, 1000),
        HelpName = "R",
    };

    private static Command CreateExits(CliContext context)
    {
        Option<string> backend = RunOptions.BackendOption();
        var iterations = new Option<int>("--iterations")
        {
            Description = "Port writes per run (2 to 100000000)",
            DefaultValueFactory = _ => (int)ExitsGuest.DefaultIterations,
            CustomParser = r => CliParsers.ParseInt(r, 2, 100_000_000),
            HelpName = "N",
        };
        Option<int> runs = RunsOption("Runs; the median is reported");
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text" };
        var reference = new Option<string?>("--reference")
        {
            Description = "Also run the raw C reference (tools/kvm-exit-ref) before each run, side by side",
            HelpName = "PATH",
        };
        reference.Validators.Add(r =>
        {
            string path = r.Tokens.Count == 0 ? string.Empty : r.Tokens[^1].Value;
            if (FileChecks.CheckInput(path, "--reference", MaxReferenceBytes) is string error)
            {
                r.AddError(error + (File.Exists(path) || Directory.Exists(path) ? string.Empty : " (build it with: make -C tools/kvm-exit-ref)"));
            }
        });
        var command = new Command("exits", """
            Cost of one exit: the `exits` guest does OUT to the bench port in a CPL0 loop; µs per exit is
            (time of last exit − time of first) / (exits − 1), as tools/kvm-exit-ref measures it.

            Examples:
              vmm bench exits
              vmm bench exits --json --runs 9
              vmm bench exits --reference tools/kvm-exit-ref/build/exitref
            """);
        command.Add(backend);
        command.Add(iterations);
        command.Add(runs);
        command.Add(json);
        command.Add(reference);
        command.SetAction(result =>
        {
            int n = result.GetValue(iterations);
            int r = result.GetValue(runs);
            string? referencePath = result.GetValue(reference);
            bool asJson = result.GetValue(json);
            using Logger log = VmmLogging.Create(false, null, context.Error);
            using IHypervisor hypervisor = context.OpenHypervisor(result.GetValue(backend) ?? "auto");
            var vmm = new List<double>();
            var referenceRuns = new List<double>();
            var arguments = new Dictionary<string, string> { ["iterations"] = n.ToString(CultureInfo.InvariantCulture) };
            BenchProgress.Run(context, !asJson && context.ErrorIsTerminal, $"exits: run 1/{r}", r, progress =>
            {
                for (int i = 0; i < r; i++)
                {
                    if (referencePath is not null)
                    {
                        referenceRuns.Add(RunReference(referencePath, n));
                    }

                    vmm.Add(RunOnce(hypervisor, log, arguments, n));
                    progress.Report(i + 1, $"exits: run {i + 1}/{r}, vmm {vmm[^1]:0.00} µs/exit");
                }
            });

            double median = Median(vmm);
            double? referenceMedian = referenceRuns.Count > 0 ? Median(referenceRuns) : null;
            if (asJson)
            {
                var payload = new Dictionary<string, object?>
                {
                    ["benchmark"] = "exits",
                    ["backend"] = hypervisor.Name,
                    ["iterations"] = n,
                    ["runs"] = r,
                    ["usPerExit"] = Math.Round(median, 3),
                    ["runsUs"] = vmm.Select(v => Math.Round(v, 3)).ToArray(),
                };
                if (referenceMedian is double refMedian)
                {
                    payload["referenceUsPerExit"] = Math.Round(refMedian, 3);
                    payload["referenceRunsUs"] = referenceRuns.Select(v => Math.Round(v, 3)).ToArray();
                    payload["ratio"] = Math.Round(median / refMedian, 3);
                }

                context.Out.WriteLine(BenchJsonContext.Serialize(payload));
            }
            else
            {
                IAnsiConsole console = SpectreConsoles.Create(context.Out, context.OutIsTerminal);
                context.Out.WriteLine($"exits on {hypervisor.Name}: {r} runs x {n} exits");
                var table = new Table().AddColumn("measured").AddColumn(new TableColumn("median µs/exit").RightAligned()).AddColumn("runs µs/exit");
                table.AddRow("vmm", Us(median), Runs(vmm));
                if (referenceMedian is double refMedian)
                {
                    table.AddRow("raw C reference", Us(refMedian), Runs(referenceRuns));
                    table.AddRow("ratio vmm / reference", (median / refMedian).ToString("0.000", CultureInfo.InvariantCulture), string.Empty);
                }

                console.Write(table);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateHypercalls(CliContext context)
    {
        Option<string> backend = RunOptions.BackendOption();
        var iterations = new Option<int>("--iterations")
        {
            Description = $"Hypercalls (and exits) per run, a multiple of {HypercallsGuest.Unroll} up to 100000000",
            DefaultValueFactory = _ => (int)HypercallsGuest.DefaultIterations,
            CustomParser = r =>
            {
                int n = CliParsers.ParseInt(r, HypercallsGuest.Unroll, 100_000_000);
                return n % HypercallsGuest.Unroll == 0 ? n : CliParsers.Fail(r, $"{CliParsers.NameOf(r)} must be a multiple of {HypercallsGuest.Unroll}, not {n}", n);
            },
            HelpName = "N",
        };
        Option<int> runs = RunsOption("Runs; the medians are reported");
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text" };
        var trace = new Option<bool>("--trace") { Description = "Also time each run with --trace-hypercalls to a temporary file (the cost of tracing, same run)" };
        var command = new Command("hypercalls", $"""
            Cost of a null hypercall (fast HvCallNotifyLongSpinWait through the hypercall page at CPL0) next to the
            cost of a plain exit (`vmm bench exits`), measured interleaved in the same run. The hypercall loop is
            unrolled {HypercallsGuest.Unroll}x so each call costs the guest as many instructions as an exit does.

            Examples:
              vmm bench hypercalls
              vmm bench hypercalls --json --runs 9
              vmm bench hypercalls --trace
            """);
        command.Add(backend);
        command.Add(iterations);
        command.Add(runs);
        command.Add(json);
        command.Add(trace);
        command.SetAction(result =>
        {
            int n = result.GetValue(iterations);
            int r = result.GetValue(runs);
            bool asJson = result.GetValue(json);
            using Logger log = VmmLogging.Create(false, null, context.Error);
            using IHypervisor hypervisor = context.OpenHypervisor(result.GetValue(backend) ?? "auto");
            var arguments = new Dictionary<string, string> { ["iterations"] = n.ToString(CultureInfo.InvariantCulture) };
            var hypercalls = new List<double>();
            var exits = new List<double>();
            var traced = new List<double>();
            bool withTrace = result.GetValue(trace);
            BenchProgress.Run(context, !asJson && context.ErrorIsTerminal, $"hypercalls: run 1/{r}", r, progress =>
            {
                for (int i = 0; i < r; i++)
                {
                    exits.Add(RunOnce(hypervisor, log, arguments, n));
                    hypercalls.Add(RunHypercallsOnce(hypervisor, log, arguments, n));
                    if (withTrace)
                    {
                        traced.Add(TracedHypercallBench.Run(stream => RunHypercallsOnce(hypervisor, log, arguments, n, stream)));
                    }

                    progress.Report(i + 1, $"hypercalls: run {i + 1}/{r}, hypercall {hypercalls[^1]:0.00} µs, exit {exits[^1]:0.00} µs");
                }
            });

            double hypercallMedian = Median(hypercalls);
            double exitMedian = Median(exits);
            if (asJson)
            {
                context.Out.WriteLine(BenchJsonContext.Serialize(new Dictionary<string, object?>
                {
                    ["benchmark"] = "hypercalls",
                    ["backend"] = hypervisor.Name,
                    ["iterations"] = n,
                    ["runs"] = r,
                    ["usPerHypercall"] = Math.Round(hypercallMedian, 3),
                    ["usPerExit"] = Math.Round(exitMedian, 3),
                    ["ratio"] = Math.Round(hypercallMedian / exitMedian, 3),
                    ["runsUs"] = hypercalls.Select(v => Math.Round(v, 3)).ToArray(),
                    ["exitRunsUs"] = exits.Select(v => Math.Round(v, 3)).ToArray(),
                    ["usPerTracedHypercall"] = traced.Count == 0 ? null : Math.Round(Median(traced), 3),
                    ["tracedRunsUs"] = traced.Count == 0 ? null : traced.Select(v => Math.Round(v, 3)).ToArray(),
                }));
            }
            else
            {
                IAnsiConsole console = SpectreConsoles.Create(context.Out, context.OutIsTerminal);
                context.Out.WriteLine($"null hypercall and plain exit on {hypervisor.Name}, interleaved: {r} runs x {n}");
                var table = new Table().AddColumn("measured").AddColumn(new TableColumn("median µs").RightAligned()).AddColumn("runs µs");
                table.AddRow("null hypercall", Us(hypercallMedian), Runs(hypercalls));
                table.AddRow("plain exit", Us(exitMedian), Runs(exits));
                table.AddRow("ratio hypercall / exit", (hypercallMedian / exitMedian).ToString("0.000", CultureInfo.InvariantCulture), string.Empty);
                if (traced.Count > 0)
                {
                    table.AddRow("traced hypercall (--trace)", Us(Median(traced)), Runs(traced));
                    table.AddRow("tracing adds per call", Us(Median(traced) - hypercallMedian), string.Empty);
                }
                console.Write(table);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static double RunOnce(IHypervisor hypervisor, Logger log, Dictionary<string, string> arguments, int iterations)
    {
        var config = new VmConfiguration { Cpus = 1, Memory = 64UL << 20 };
        using Machine machine = VmFactory.Create(hypervisor, config, new BuiltInGuestLoader(new ExitsGuest(), arguments, config.HyperV), log);
        machine.Start();
        MachineExit exit = machine.WaitForExit(TimeSpan.FromMinutes(10));
        if (!exit.Passed || machine.BenchCounter.Count != iterations)
        {
            throw new HypervisorException($"the exits guest did not complete: {exit}, {machine.BenchCounter.Count} of {iterations} exits counted");
        }

        return machine.BenchCounter.MicrosecondsPerExit;
    }

    private static double RunHypercallsOnce(IHypervisor hypervisor, Logger log, Dictionary<string, string> arguments, int iterations, Stream? trace = null)
    {
        var config = new VmConfiguration { Cpus = 1, Memory = 64UL << 20, HypercallTrace = trace };
        using Machine machine = VmFactory.Create(hypervisor, config, new BuiltInGuestLoader(new HypercallsGuest(), arguments, config.HyperV), log);
        machine.Start();
        MachineExit exit = machine.WaitForExit(TimeSpan.FromMinutes(10));
        if (!exit.Passed || machine.BenchCounter.Count != 2)
        {
            throw new HypervisorException($"the hypercalls guest did not complete: {exit}");
        }

        // Two bench marks bracket the loop: the time between them over the number of calls.
        return Stopwatch.GetElapsedTime(machine.BenchCounter.FirstTimestamp, machine.BenchCounter.LastTimestamp).TotalMicroseconds / iterations;
    }

    private static double RunReference(string path, int iterations)
    {
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--json");
        start.ArgumentList.Add("--iterations");
        start.ArgumentList.Add(iterations.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add("--rounds");
        start.ArgumentList.Add("1");
        Process? started;
        try
        {
            started = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new UsageException($"cannot run --reference '{path}': {e.Message}", e);
        }

        using Process process = started ?? throw new UsageException($"cannot run --reference '{path}'");
        string stdout = process.StandardOutput.ReadToEnd();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new HypervisorException($"the reference program failed (exit {process.ExitCode}): {stderr.Trim()}");
        }

        using var doc = JsonDocument.Parse(stdout);
        return doc.RootElement.GetProperty("usPerExit").GetDouble();
    }

    private static string Us(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Runs(List<double> values) => string.Join(", ", values.Select(Us));

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}

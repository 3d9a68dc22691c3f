using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Serilog.Core;
using Vmm.Core.Hypervisor;
using Vmm.Core.Machine;
using Vmm.Guests;
using Vmm.Host.Logging;

namespace Vmm.Host.Cli;

/// <summary>`vmm bench …`: benchmarks that run real guests. Figures are medians of several runs.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks that run real guests (medians of several runs).");
        bench.Add(CreateExits());
        bench.Add(CreateHypercalls());
        bench.Add(FlushBenchCommand.Create());
        return bench;
    }

    private static Command CreateExits()
    {
        var backend = new Option<string>("--backend") { Description = "auto, kvm or whp", DefaultValueFactory = _ => "auto", HelpName = "auto|kvm|whp" };
        var iterations = new Option<int>("--iterations") { Description = "Port writes per run", DefaultValueFactory = _ => (int)ExitsGuest.DefaultIterations, HelpName = "N" };
        var runs = new Option<int>("--runs") { Description = "Runs; the median is reported", DefaultValueFactory = _ => 5, HelpName = "R" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text" };
        var reference = new Option<string?>("--reference")
        {
            Description = "Also run the raw C reference (tools/kvm-exit-ref) before each run, side by side",
            HelpName = "PATH",
        };
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
            if (n < 2 || n > 100_000_000)
            {
                throw new UsageException("--iterations must be from 2 to 100000000");
            }

            if (r < 1 || r > 1000)
            {
                throw new UsageException("--runs must be from 1 to 1000");
            }

            string? referencePath = result.GetValue(reference);
            if (referencePath is not null && !File.Exists(referencePath))
            {
                throw new UsageException($"--reference '{referencePath}' does not exist (build it with: make -C tools/kvm-exit-ref)");
            }

            bool asJson = result.GetValue(json);
            using Logger log = VmmLogging.Create(false, null);
            using IHypervisor hypervisor = BackendSelector.Open(result.GetValue(backend) ?? "auto");
            var vmm = new List<double>();
            var referenceRuns = new List<double>();
            var arguments = new Dictionary<string, string> { ["iterations"] = n.ToString(CultureInfo.InvariantCulture) };
            for (int i = 0; i < r; i++)
            {
                if (referencePath is not null)
                {
                    referenceRuns.Add(RunReference(referencePath, n));
                }

                vmm.Add(RunOnce(hypervisor, log, arguments, n));
                if (!asJson)
                {
                    Console.Error.Write($"\rrun {i + 1}/{r}: vmm {vmm[^1]:0.00} µs/exit" + (referenceRuns.Count > 0 ? $", reference {referenceRuns[^1]:0.00} µs/exit" : string.Empty) + "   ");
                }
            }

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

                Console.WriteLine(JsonSerializer.Serialize(payload));
            }
            else
            {
                Console.Error.WriteLine();
                Console.WriteLine($"exits on {hypervisor.Name}: {r} runs x {n} exits, median {median:0.00} µs/exit (runs: {string.Join(", ", vmm.Select(v => v.ToString("0.00", CultureInfo.InvariantCulture)))})");
                if (referenceMedian is double refMedian)
                {
                    Console.WriteLine($"raw C reference:  median {refMedian:0.00} µs/exit (runs: {string.Join(", ", referenceRuns.Select(v => v.ToString("0.00", CultureInfo.InvariantCulture)))})");
                    Console.WriteLine($"ratio vmm / reference: {median / refMedian:0.000}");
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateHypercalls()
    {
        var backend = new Option<string>("--backend") { Description = "auto, kvm or whp", DefaultValueFactory = _ => "auto", HelpName = "auto|kvm|whp" };
        var iterations = new Option<int>("--iterations") { Description = $"Hypercalls (and exits) per run, a multiple of {HypercallsGuest.Unroll}", DefaultValueFactory = _ => (int)HypercallsGuest.DefaultIterations, HelpName = "N" };
        var runs = new Option<int>("--runs") { Description = "Runs; the medians are reported", DefaultValueFactory = _ => 5, HelpName = "R" };
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
            if (n < HypercallsGuest.Unroll || n > 100_000_000 || n % HypercallsGuest.Unroll != 0)
            {
                throw new UsageException($"--iterations must be a multiple of {HypercallsGuest.Unroll} from {HypercallsGuest.Unroll} to 100000000");
            }

            if (r < 1 || r > 1000)
            {
                throw new UsageException("--runs must be from 1 to 1000");
            }

            bool asJson = result.GetValue(json);
            using Logger log = VmmLogging.Create(false, null);
            using IHypervisor hypervisor = BackendSelector.Open(result.GetValue(backend) ?? "auto");
            var arguments = new Dictionary<string, string> { ["iterations"] = n.ToString(CultureInfo.InvariantCulture) };
            var hypercalls = new List<double>();
            var exits = new List<double>();
            var traced = new List<double>();
            for (int i = 0; i < r; i++)
            {
                exits.Add(RunOnce(hypervisor, log, arguments, n));
                hypercalls.Add(RunHypercallsOnce(hypervisor, log, arguments, n));
                if (result.GetValue(trace))
                {
                    traced.Add(TracedHypercallBench.Run(stream => RunHypercallsOnce(hypervisor, log, arguments, n, stream)));
                }

                if (!asJson)
                {
                    Console.Error.Write($"\rrun {i + 1}/{r}: hypercall {hypercalls[^1]:0.00} µs, exit {exits[^1]:0.00} µs   ");
                }
            }

            double hypercallMedian = Median(hypercalls);
            double exitMedian = Median(exits);
            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
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
                Console.Error.WriteLine();
                Console.WriteLine($"null hypercall on {hypervisor.Name}: median {hypercallMedian:0.00} µs ({r} runs x {n}; runs: {string.Join(", ", hypercalls.Select(v => v.ToString("0.00", CultureInfo.InvariantCulture)))})");
                Console.WriteLine($"plain exit, same run: median {exitMedian:0.00} µs (runs: {string.Join(", ", exits.Select(v => v.ToString("0.00", CultureInfo.InvariantCulture)))})");
                Console.WriteLine($"ratio hypercall / exit: {hypercallMedian / exitMedian:0.000}");
                if (traced.Count > 0)
                {
                    Console.WriteLine(TracedHypercallBench.Describe(traced, hypercallMedian, Median(traced)));
                }
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
        using Process process = Process.Start(start) ?? throw new UsageException($"cannot start {path}");
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

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}

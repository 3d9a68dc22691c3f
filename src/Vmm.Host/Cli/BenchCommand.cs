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
        bench.Add(CreateFlush());
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
        var command = new Command("hypercalls", $"""
            Cost of a null hypercall (fast HvCallNotifyLongSpinWait through the hypercall page at CPL0) next to the
            cost of a plain exit (`vmm bench exits`), measured interleaved in the same run. The hypercall loop is
            unrolled {HypercallsGuest.Unroll}x so each call costs the guest as many instructions as an exit does.

            Examples:
              vmm bench hypercalls
              vmm bench hypercalls --json --runs 9
            """);
        command.Add(backend);
        command.Add(iterations);
        command.Add(runs);
        command.Add(json);
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
            for (int i = 0; i < r; i++)
            {
                exits.Add(RunOnce(hypervisor, log, arguments, n));
                hypercalls.Add(RunHypercallsOnce(hypervisor, log, arguments, n));
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
                }));
            }
            else
            {
                Console.Error.WriteLine();
                Console.WriteLine($"null hypercall on {hypervisor.Name}: median {hypercallMedian:0.00} µs ({r} runs x {n}; runs: {string.Join(", ", hypercalls.Select(v => v.ToString("0.00", CultureInfo.InvariantCulture)))})");
                Console.WriteLine($"plain exit, same run: median {exitMedian:0.00} µs (runs: {string.Join(", ", exits.Select(v => v.ToString("0.00", CultureInfo.InvariantCulture)))})");
                Console.WriteLine($"ratio hypercall / exit: {hypercallMedian / exitMedian:0.000}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateFlush()
    {
        var backend = new Option<string>("--backend") { Description = "auto, kvm or whp", DefaultValueFactory = _ => "auto", HelpName = "auto|kvm|whp" };
        var rounds = new Option<int>("--rounds") { Description = "Timed flushes per vCPU count", DefaultValueFactory = _ => 200, HelpName = "N" };
        var cpus = new Option<string>("--cpus") { Description = "vCPU counts to measure", DefaultValueFactory = _ => "2,4,8,16", HelpName = "LIST" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table" };
        var strategies = new Option<string>("--flush-strategy") { Description = "Strategies to measure side by side: kick, memslot, or both", DefaultValueFactory = _ => "kick,memslot", HelpName = "LIST" };
        var command = new Command("flush", """
            Latency of one paravirtual remote flush of all other vCPUs (HvCallFlushVirtualAddressSpace from vCPU 0
            while the others spin in the guest), timed by the guest with RDTSC, at each vCPU count on this host's
            CPUs. The guest's own IPI shootdown, to compare against, is not measured yet.

            Examples:
              vmm bench flush
              vmm bench flush --cpus 2,8 --rounds 500 --json
            """);
        command.Add(backend);
        command.Add(rounds);
        command.Add(cpus);
        command.Add(json);
        command.Add(strategies);
        command.SetAction(result =>
        {
            Vmm.Core.TlbFlush.TlbFlushStrategy[] chosen = (result.GetValue(strategies) ?? "kick,memslot").Split(',', StringSplitOptions.TrimEntries).Select(VmConfiguration.ParseFlushStrategy).Distinct().ToArray();
            int n = result.GetValue(rounds);
            if (n < 1 || n > 100_000)
            {
                throw new UsageException("--rounds must be from 1 to 100000");
            }

            int[] counts;
            try
            {
                counts = (result.GetValue(cpus) ?? "2,4,8,16").Split(',').Select(c => int.Parse(c, NumberStyles.None, CultureInfo.InvariantCulture)).ToArray();
            }
            catch (FormatException)
            {
                throw new UsageException("--cpus must be a comma-separated list of vCPU counts, e.g. 2,4,8,16");
            }

            if (counts.Any(c => c < 2 || c > 64))
            {
                throw new UsageException("--cpus: each count must be from 2 to 64");
            }

            bool asJson = result.GetValue(json);
            using Logger log = VmmLogging.Create(false, null);
            using IHypervisor hypervisor = BackendSelector.Open(result.GetValue(backend) ?? "auto");
            var rows = new List<Dictionary<string, object?>>();
            foreach (int count in counts)
            {
                foreach (Vmm.Core.TlbFlush.TlbFlushStrategy strategy in chosen)
                {
                    if (!asJson)
                    {
                        Console.Error.Write($"\rmeasuring {count} vCPUs, {strategy} ({n} rounds)...        ");
                    }

                    rows.Add(RunFlushOnce(hypervisor, log, count, n, strategy));
                }
            }

            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?> { ["benchmark"] = "flush", ["backend"] = hypervisor.Name, ["results"] = rows }));
            }
            else
            {
                Console.Error.WriteLine();
                Console.WriteLine($"remote flush of all other vCPUs on {hypervisor.Name} ({Environment.ProcessorCount} host CPUs), {n} rounds each");
                Console.WriteLine("vCPUs  mode  strategy      p50 µs     p90 µs     p99 µs     max µs   kicked   not waited   platform-wide");
                foreach (Dictionary<string, object?> r in rows)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r["vcpus"],5}  {r["mode"],-4}  {r["strategy"],-8} {r["p50Us"],10:0.0} {r["p90Us"],10:0.0} {r["p99Us"],10:0.0} {r["maxUs"],10:0.0} {r["kicked"],8} {r["notWaited"],12} {r["deferred"],15}"));
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Dictionary<string, object?> RunFlushOnce(IHypervisor hypervisor, Logger log, int cpus, int rounds, Vmm.Core.TlbFlush.TlbFlushStrategy strategy)
    {
        var config = new VmConfiguration { Cpus = cpus, Memory = 64UL << 20, FlushStrategy = strategy };
        var arguments = new Dictionary<string, string> { ["rounds"] = rounds.ToString(CultureInfo.InvariantCulture) };
        using Machine machine = VmFactory.Create(hypervisor, config, new BuiltInGuestLoader(new FlushBenchGuest(), arguments, config.HyperV), log);
        machine.Start();
        MachineExit exit = machine.WaitForExit(TimeSpan.FromMinutes(30));
        if (!exit.Passed)
        {
            throw new HypervisorException($"the flushbench guest did not complete at {cpus} vCPUs: {exit}");
        }

        // The guest's TSC deltas, one per round, converted with the partition's TSC frequency.
        double usPerTick = 1e6 / machine.Partition.TscFrequencyHz;
        double[] samples = new double[rounds];
        for (int i = 0; i < rounds; i++)
        {
            samples[i] = machine.Memory.Read<ulong>(FlushBenchGuest.Samples + ((ulong)i * 8)) * usPerTick;
        }

        Array.Sort(samples);
        double Percentile(double p) => samples[Math.Min(samples.Length - 1, Math.Max(0, (int)Math.Ceiling(samples.Length * p / 100.0) - 1))];
        return new Dictionary<string, object?>
        {
            ["vcpus"] = cpus,
            ["mode"] = "pv",
            ["strategy"] = strategy == Vmm.Core.TlbFlush.TlbFlushStrategy.PlatformWide ? "memslot" : "kick",
            ["p50Us"] = Math.Round(Percentile(50), 1),
            ["p90Us"] = Math.Round(Percentile(90), 1),
            ["p99Us"] = Math.Round(Percentile(99), 1),
            ["maxUs"] = Math.Round(samples[^1], 1),
            ["rounds"] = rounds,
            ["kicked"] = machine.TlbFlush.Kicked,
            ["notWaited"] = machine.TlbFlush.NotWaited,
            ["deferred"] = machine.TlbFlush.PlatformFlushed,
        };
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

    private static double RunHypercallsOnce(IHypervisor hypervisor, Logger log, Dictionary<string, string> arguments, int iterations)
    {
        var config = new VmConfiguration { Cpus = 1, Memory = 64UL << 20 };
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

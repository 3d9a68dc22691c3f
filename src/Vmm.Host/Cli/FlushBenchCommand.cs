using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Serilog.Core;
using Spectre.Console;
using Vmm.Core.Hypervisor;
using Vmm.Core.Machine;
using Vmm.Core.TlbFlush;
using Vmm.Guests;
using Vmm.Host.Logging;

namespace Vmm.Host.Cli;

/// <summary>
/// `vmm bench flush`: the `flushbench` guest's remote flush of all other vCPUs, paravirtual (one hypercall, per
/// strategy) next to the guest's own IPI shootdown, interleaved per vCPU count in one run, and the goal ratios.
/// </summary>
internal static class FlushBenchCommand
{
    private static readonly TimeSpan s_runLimit = TimeSpan.FromMinutes(30);

    private static readonly Dictionary<string, string> s_modes = new() { ["pv"] = "pv", ["ipi"] = "ipi" };

    public static Command Create(CliContext context)
    {
        Option<string> backend = RunOptions.BackendOption();
        var rounds = new Option<int>("--rounds")
        {
            Description = "Timed flushes per row (1 to 100000)",
            DefaultValueFactory = _ => 200,
            CustomParser = r => CliParsers.ParseInt(r, 1, 100_000),
            HelpName = "N",
        };
        var cpus = new Option<int[]>("--cpus")
        {
            Description = "vCPU counts to measure, each from 2 to 64 (the default Hyper-V profile's limit) [default: 2,4,8,16]",
            CustomParser = r => CliParsers.ParseIntList(r, 2, 64),
            HelpName = "LIST",
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table" };
        var strategies = new Option<TlbFlushStrategy[]>("--flush-strategy")
        {
            Description = "PV strategies to measure side by side: kick, memslot, auto (what vmm run would choose), comma-separated [default: kick,memslot]",
            CustomParser = r => CliParsers.ParseChoiceList(r, RunOptions.FlushStrategies),
            HelpName = "LIST",
        };
        var modes = new Option<string[]>("--modes")
        {
            Description = "pv (the flush hypercall), ipi (the guest's own IPI shootdown), or both, comma-separated [default: pv,ipi]",
            CustomParser = r => CliParsers.ParseChoiceList(r, s_modes),
            HelpName = "LIST",
        };
        var command = new Command("flush", """
            Latency of one remote flush of all other vCPUs while they spin in the guest, timed by the guest with
            RDTSC, at each vCPU count on this host's CPUs. Mode pv: HvCallFlushVirtualAddressSpace from vCPU 0,
            once per --flush-strategy. Mode ipi: the guest's own shootdown as Linux does it without the hypercall
            (x2APIC IPI, the targets reload CR3 and acknowledge; the strategy plays no part). After the table, the
            goal ratios at 8 vCPUs: IPI p99 / PV p99 (goal >= 5) and PV p99 at 8 / at 2 vCPUs (goal <= 3).

            Examples:
              vmm bench flush
              vmm bench flush --cpus 2,4,8 --rounds 200
              vmm bench flush --cpus 2,8 --modes pv --flush-strategy memslot --json
            """);
        command.Add(backend);
        command.Add(rounds);
        command.Add(cpus);
        command.Add(json);
        command.Add(strategies);
        command.Add(modes);
        command.SetAction(result =>
        {
            TlbFlushStrategy[] chosen = result.GetResult(strategies) is null ? [TlbFlushStrategy.KickAndWait, TlbFlushStrategy.PlatformWide] : result.GetValue(strategies) ?? [];
            string[] chosenModes = result.GetResult(modes) is null ? ["pv", "ipi"] : result.GetValue(modes) ?? [];
            int n = result.GetValue(rounds);
            int[] counts = result.GetResult(cpus) is null ? [2, 4, 8, 16] : result.GetValue(cpus) ?? [];
            bool asJson = result.GetValue(json);
            using Logger log = VmmLogging.Create(false, null, context.Error);
            using IHypervisor hypervisor = context.OpenHypervisor(result.GetValue(backend) ?? "auto");
            var plan = new List<(int Cpus, string Mode, TlbFlushStrategy Strategy)>();
            foreach (int count in counts)
            {
                if (chosenModes.Contains("pv"))
                {
                    plan.AddRange(chosen.Select(strategy => (count, "pv", strategy)));
                }

                if (chosenModes.Contains("ipi"))
                {
                    plan.Add((count, "ipi", TlbFlushStrategy.KickAndWait));
                }
            }

            var rows = new List<FlushBenchRow>();
            BenchProgress.Run(context, !asJson && context.ErrorIsTerminal, "flush", (double)plan.Count * n, progress =>
            {
                foreach ((int count, string mode, TlbFlushStrategy strategy) in plan)
                {
                    int done = rows.Count * n;
                    rows.Add(RunOnce(hypervisor, log, count, n, mode, strategy, (finished, label) => progress.Report(done + finished, label)));
                }
            });

            IReadOnlyList<FlushBenchGoal> goals = FlushBenchGoal.Compute(rows);
            if (asJson)
            {
                context.Out.WriteLine(BenchJsonContext.Serialize(new Dictionary<string, object?>
                {
                    ["benchmark"] = "flush",
                    ["backend"] = hypervisor.Name,
                    ["hostCpus"] = Environment.ProcessorCount,
                    ["results"] = rows.Select(r => r.ToJson()).ToArray(),
                    ["goals"] = goals.Select(g => g.ToJson()).ToArray(),
                }));
                return ExitCodes.Success;
            }

            IAnsiConsole console = SpectreConsoles.Create(context.Out, context.OutIsTerminal);
            context.Out.WriteLine($"remote flush of all other vCPUs on {hypervisor.Name} ({Environment.ProcessorCount} host CPUs), {n} rounds each");
            console.Write(ToTable(rows));
            context.Out.WriteLine("awaited: targets the VMM kicked out of the guest and waited for; deferred: targets it did not wait for (outside the guest, preempted and handed to KVM, or covered by the memslot flush); vmm p99: the same requests timed inside the VMM");
            foreach (FlushBenchGoal goal in goals)
            {
                context.Out.WriteLine(goal.ToString());
            }

            if (goals.Count == 0)
            {
                context.Out.WriteLine("goal ratios: need pv rows at 2 and at 8 (or more) vCPUs, and an ipi row at 8 (or more)");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The rows as a table: one line per vCPU count, mode and strategy, numbers right-aligned.</summary>
    internal static Table ToTable(IEnumerable<FlushBenchRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var table = new Table().AddColumn(new TableColumn("vCPUs").RightAligned()).AddColumn("mode").AddColumn("strategy");
        foreach (string numeric in new[] { "p50 µs", "p90 µs", "p99 µs", "max µs", "rounds", "awaited", "deferred", "vmm p99 µs" })
        {
            table.AddColumn(new TableColumn(numeric).RightAligned());
        }

        static string F(double v) => v.ToString("0.0", CultureInfo.InvariantCulture);
        foreach (FlushBenchRow r in rows)
        {
            table.AddRow(
                r.Vcpus.ToString(CultureInfo.InvariantCulture), r.Mode, r.Strategy ?? "-", F(r.P50Us), F(r.P90Us), F(r.P99Us), F(r.MaxUs),
                r.Rounds.ToString(CultureInfo.InvariantCulture), r.Awaited.ToString(CultureInfo.InvariantCulture), r.Deferred.ToString(CultureInfo.InvariantCulture),
                r.Mode == "pv" ? F(r.VmmP99Us) : "-");
        }

        return table;
    }

    private static FlushBenchRow RunOnce(IHypervisor hypervisor, Logger log, int cpus, int rounds, string mode, TlbFlushStrategy strategy, Action<int, string> progress)
    {
        var config = new VmConfiguration { Cpus = cpus, Memory = 64UL << 20, FlushStrategy = strategy };
        var arguments = new Dictionary<string, string>
        {
            ["rounds"] = rounds.ToString(CultureInfo.InvariantCulture),
            ["mode"] = mode,
        };
        using Machine machine = VmFactory.Create(hypervisor, config, new BuiltInGuestLoader(new FlushBenchGuest(), arguments, config.HyperV), log);
        string resolved = TlbFlushStrategySelector.NameOf(machine.TlbFlush.Strategy);
        string? strategyName = mode == "pv" ? (strategy == TlbFlushStrategy.Auto ? $"auto:{resolved}" : resolved) : null;
        machine.Start();

        // The guest stores one non-zero delta per finished round into zeroed memory: the count so far is progress.
        var watch = Stopwatch.StartNew();
        int finished = 0;
        string label = $"flush: {cpus} vCPUs {mode}{(strategyName is null ? string.Empty : " " + strategyName)}";
        progress(0, label);
        while (watch.Elapsed < s_runLimit && !machine.Exited.Wait(TimeSpan.FromMilliseconds(200)))
        {
            while (finished < rounds && machine.Memory.Read<ulong>(FlushBenchGuest.Samples + ((ulong)finished * 8)) != 0)
            {
                finished++;
            }

            progress(finished, $"{label} {finished}/{rounds}");
        }

        TimeSpan left = s_runLimit - watch.Elapsed;
        MachineExit exit = machine.WaitForExit(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        if (!exit.Passed)
        {
            throw new HypervisorException($"the flushbench guest (mode {mode}) did not complete at {cpus} vCPUs: {exit}");
        }

        // The guest's TSC deltas, one per round, converted with the partition's TSC frequency.
        double usPerTick = 1e6 / machine.Partition.TscFrequencyHz;
        double[] samples = new double[rounds];
        for (int i = 0; i < rounds; i++)
        {
            samples[i] = machine.Memory.Read<ulong>(FlushBenchGuest.Samples + ((ulong)i * 8)) * usPerTick;
        }

        Array.Sort(samples);
        double Percentile(double p) => Math.Round(samples[Math.Min(samples.Length - 1, Math.Max(0, (int)Math.Ceiling(samples.Length * p / 100.0) - 1))], 1);

        // "Deferred": every target the requester did not wait for (outside the guest, handed to KVM while preempted,
        // or covered by the platform-wide flush). The ipi mode makes no hypercall, so all of them stay 0.
        return new FlushBenchRow(cpus, mode, strategyName, Percentile(50), Percentile(90), Percentile(99), Math.Round(samples[^1], 1), rounds,
            Awaited: machine.TlbFlush.Kicked, NotWaited: machine.TlbFlush.NotWaited, PlatformFlushed: machine.TlbFlush.PlatformFlushed,
            PreemptedDeferred: machine.TlbFlush.Deferred, VmmP99Us: Math.Round(machine.TlbFlush.LatencyHistogram.Percentile(99).TotalMicroseconds, 1));
    }
}

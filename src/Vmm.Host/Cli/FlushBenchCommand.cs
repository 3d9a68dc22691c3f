using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Serilog.Core;
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

    public static Command Create()
    {
        var backend = new Option<string>("--backend") { Description = "auto, kvm or whp", DefaultValueFactory = _ => "auto", HelpName = "auto|kvm|whp" };
        var rounds = new Option<int>("--rounds") { Description = "Timed flushes per row", DefaultValueFactory = _ => 200, HelpName = "N" };
        var cpus = new Option<string>("--cpus") { Description = "vCPU counts to measure", DefaultValueFactory = _ => "2,4,8,16", HelpName = "LIST" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table" };
        var strategies = new Option<string>("--flush-strategy") { Description = "PV strategies to measure side by side: kick, memslot, auto (what vmm run would choose), comma-separated", DefaultValueFactory = _ => "kick,memslot", HelpName = "LIST" };
        var modes = new Option<string>("--modes") { Description = "pv (the flush hypercall), ipi (the guest's own IPI shootdown), or both", DefaultValueFactory = _ => "pv,ipi", HelpName = "LIST" };
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
            TlbFlushStrategy[] chosen = [.. (result.GetValue(strategies) ?? "kick,memslot").Split(',', StringSplitOptions.TrimEntries).Select(VmConfiguration.ParseFlushStrategy).Distinct()];
            string[] chosenModes = ParseModes(result.GetValue(modes));
            int n = result.GetValue(rounds);
            if (n < 1 || n > 100_000)
            {
                throw new UsageException("--rounds must be from 1 to 100000");
            }

            int[] counts;
            try
            {
                counts = [.. (result.GetValue(cpus) ?? "2,4,8,16").Split(',').Select(c => int.Parse(c, NumberStyles.None, CultureInfo.InvariantCulture))];
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
            bool progress = !Console.IsErrorRedirected;
            using Logger log = VmmLogging.Create(false, null);
            using IHypervisor hypervisor = BackendSelector.Open(result.GetValue(backend) ?? "auto");
            var rows = new List<FlushBenchRow>();
            foreach (int count in counts)
            {
                if (chosenModes.Contains("pv"))
                {
                    foreach (TlbFlushStrategy strategy in chosen)
                    {
                        rows.Add(RunOnce(hypervisor, log, count, n, "pv", strategy, progress));
                    }
                }

                if (chosenModes.Contains("ipi"))
                {
                    rows.Add(RunOnce(hypervisor, log, count, n, "ipi", TlbFlushStrategy.KickAndWait, progress));
                }
            }

            if (progress)
            {
                Console.Error.Write("\r" + new string(' ', 60) + "\r");
            }

            IReadOnlyList<FlushBenchGoal> goals = FlushBenchGoal.Compute(rows);
            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["benchmark"] = "flush",
                    ["backend"] = hypervisor.Name,
                    ["hostCpus"] = Environment.ProcessorCount,
                    ["results"] = rows.Select(r => r.ToJson()).ToArray(),
                    ["goals"] = goals.Select(g => g.ToJson()).ToArray(),
                }));
                return ExitCodes.Success;
            }

            Console.WriteLine($"remote flush of all other vCPUs on {hypervisor.Name} ({Environment.ProcessorCount} host CPUs), {n} rounds each");
            Console.WriteLine("vCPUs  mode  strategy         p50 µs     p90 µs     p99 µs     max µs  rounds   awaited  deferred  vmm p99 µs");
            foreach (FlushBenchRow r in rows)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Vcpus,5}  {r.Mode,-4}  {r.Strategy ?? "-",-12} {r.P50Us,10:0.0} {r.P90Us,10:0.0} {r.P99Us,10:0.0} {r.MaxUs,10:0.0} {r.Rounds,7} {r.Awaited,9} {r.Deferred,9} {(r.Mode == "pv" ? r.VmmP99Us.ToString("0.0", CultureInfo.InvariantCulture) : "-"),11}"));
            }

            Console.WriteLine("awaited: targets the VMM kicked out of the guest and waited for; deferred: targets it did not wait for (outside the guest, preempted and handed to KVM, or covered by the memslot flush); vmm p99: the same requests timed inside the VMM");
            foreach (FlushBenchGoal goal in goals)
            {
                Console.WriteLine(goal.ToString());
            }

            if (goals.Count == 0)
            {
                Console.WriteLine("goal ratios: need pv rows at 2 and at 8 (or more) vCPUs, and an ipi row at 8 (or more)");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Parses `--modes`: a comma-separated list of pv and ipi, each at most once.</summary>
    internal static string[] ParseModes(string? text)
    {
        string[] modes = [.. (text ?? "pv,ipi").Split(',', StringSplitOptions.TrimEntries).Select(m => m.ToLowerInvariant()).Distinct()];
        if (modes.Length == 0 || modes.Any(m => m is not ("pv" or "ipi")))
        {
            throw new UsageException($"--modes must be a comma-separated list of pv and ipi, not '{text}'");
        }

        return modes;
    }

    private static FlushBenchRow RunOnce(IHypervisor hypervisor, Logger log, int cpus, int rounds, string mode, TlbFlushStrategy strategy, bool progress)
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
        while (progress && watch.Elapsed < s_runLimit && !machine.Exited.Wait(TimeSpan.FromMilliseconds(200)))
        {
            while (finished < rounds && machine.Memory.Read<ulong>(FlushBenchGuest.Samples + ((ulong)finished * 8)) != 0)
            {
                finished++;
            }

            Console.Error.Write($"\r{label} {finished}/{rounds}        ");
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

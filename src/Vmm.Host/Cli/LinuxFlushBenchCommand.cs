using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Vmm.Core.Hypervisor;

namespace Vmm.Host.Cli;

/// <summary>
/// `vmm bench linux-flush` (issue 14): Debian's stock kernel runs tlbcheck (tools/linux-guest/tlbcheck.c: threads of one
/// process on every CPU, the main one remapping the page they read, one remote flush of every other CPU per round) for a
/// fixed number of rounds, with Linux's own IPI shootdown (vmm, --hv none), vmm's PV flush per --flush-strategy, and
/// KVM's in-kernel Hyper-V flush under QEMU, interleaved per vCPU count; medians of the guest's own measurements and
/// the goal ratios on the guest sys time.
/// </summary>
internal static class LinuxFlushBenchCommand
{
    /// <summary>
    /// QEMU's CPU: KVM's Hyper-V enlightenments with the flush (QEMU docs/system/i386/hyperv.rst: hv-tlbflush needs
    /// hv-vpindex). kvm=off hides KVM's own signature: QEMU puts Hyper-V's leaves at 0x40000000 and KVM's after them at
    /// 0x40000100, and Linux (arch/x86/kernel/cpu/hypervisor.c detect_hypervisor_vendor) keeps the platform whose
    /// detect() returns the most, which is kvm_detect's CPUID base over ms_hyperv_platform's 0x40000000: the guest
    /// would run as a KVM guest and never set up the Hyper-V flush. Each boot is checked for it anyway.
    /// </summary>
    public const string QemuCpu = "host,kvm=off,hv-vpindex,hv-tlbflush,hv-time,hv-frequencies";

    public static Command Create(CliContext context)
    {
        var options = new LinuxFlushBenchOptions();
        var command = new Command("linux-flush", $"""
            Remote TLB flush cost inside a stock Linux guest: tlbcheck (tools/linux-guest) remaps a page that threads
            on every other CPU read, --rounds times, each remap one remote flush. Per vCPU count and run, in this
            order: vmm with --hv none (Linux shoots down with IPIs), vmm with --hv (default {LinuxBootBenchCommand.DefaultHyperV})
            once per --flush-strategy (the flush hypercalls served by vmm), and QEMU+KVM with -cpu {QemuCpu}
            (the same hypercalls served by KVM in the kernel), all with the same kernel, initramfs, RAM and vCPUs.
            A boot counts when tlbcheck read no stale page and the guest took the flush asked for (its log says
            "{LinuxFlushReport.HyperVFlushLine}" exactly in the PV modes). Reported, medians: the workload's wall time and
            kernel CPU time (getrusage in the guest: the guest sys time), the guest's /proc/stat kernel time, the
            tracepoint hyperv_mmu_flush_tlb_multi (one flush hypercall each on the PV path), vmm's own count of flush
            requests, and TLB shootdown IPIs received (the TLB row of /proc/interrupts). Goals: guest sys IPI / vmm PV
            >= {LinuxFlushBenchResults.IpiOverPvGoal}, vmm PV / KVM PV <= {LinuxFlushBenchResults.PvOverKvmGoal}.
            Exit 3 when a vmm boot does not count (a QEMU boot that does not is reported only). Needs upstream KVM (a
            PVM-based KVM cannot run a stock kernel) and the initramfs of tools/linux-guest/build.sh.

            Examples:
              vmm bench linux-flush
              vmm bench linux-flush --cpus 2,4 --runs 5 --rounds 1000 --plot sys.svg
              vmm bench linux-flush --flush-strategy memslot --qemu none --json
            """);
        options.AddTo(command);
        command.SetAction(result =>
        {
            var errors = new List<string>();
            LinuxFlushBenchSettings settings = options.Check(result.CommandResult, errors)
                ?? throw new UsageException(errors.Count > 0 ? errors[0] : "the command line did not check out");
            return Execute(settings, result.GetValue(options.Boot.Json), options.QemuWasDefaulted(result.CommandResult), context);
        });
        return command;
    }

    private static int Execute(LinuxFlushBenchSettings settings, bool asJson, bool qemuDefaulted, CliContext context)
    {
        LinuxBootBenchSettings boot = settings.Boot;
        if (boot.Qemu is null && qemuDefaulted)
        {
            context.Error.WriteLine($"vmm: no {LinuxBootBenchCommand.DefaultQemu} on PATH: no KVM in-kernel column (give --qemu PATH to compare)");
        }

        string? qemuVersion = boot.Qemu is null ? null : LinuxBootBenchCommand.QemuVersion(boot.Qemu);
        using IHypervisor hypervisor = LinuxBootBenchCommand.OpenForStockLinux(context, boot.Backend);
        string platform = hypervisor.Capabilities.Platform;
        string loadBefore = LinuxBootBenchCommand.LoadAverage();
        var samples = new List<LinuxFlushSample>();
        IReadOnlyList<LinuxFlushMode> modes = settings.Modes;
        BenchProgress.Run(context, !asJson && context.ErrorIsTerminal, "linux-flush", boot.Cpus.Count * boot.Runs * modes.Count, progress =>
        {
            foreach (int cpus in boot.Cpus)
            {
                for (int run = 1; run <= boot.Runs; run++)
                {
                    foreach (LinuxFlushMode mode in modes)
                    {
                        string label = $"linux-flush: {cpus} vCPUs, {mode.Name}, run {run}/{boot.Runs}";
                        progress.Report(samples.Count, label);
                        LinuxFlushSample sample = RunOnce(settings, mode, cpus, run);
                        samples.Add(sample);
                        progress.Report(samples.Count, label);
                        if (!context.ErrorIsTerminal)
                        {
                            // Not a terminal (a log, a nested console): one line per boot instead of the live bar.
                            context.Error.WriteLine($"vmm: {label}: {Describe(sample)}");
                        }
                    }
                }
            }
        });

        string loadAfter = LinuxBootBenchCommand.LoadAverage();
        IReadOnlyList<LinuxFlushBenchRow> rows = LinuxFlushBenchResults.Rows(samples);
        IReadOnlyList<FlushBenchGoal> goals = LinuxFlushBenchResults.Goals(rows);
        foreach (LinuxFlushSample failed in samples.Where(s => !s.Passed))
        {
            context.Error.WriteLine($"vmm: linux-flush: {failed.Mode.Name}, {failed.Vcpus} vCPUs, run {failed.Run} does not count: {failed.Failure}");
        }

        if (settings.PlotPath is string plot)
        {
            try
            {
                File.WriteAllText(plot, LinuxFlushBenchPlot.Render(rows, settings.Rounds));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"cannot write --plot file '{plot}': {e.Message}", e);
            }

            context.Error.WriteLine($"vmm: plot written to {plot}");
        }

        if (asJson)
        {
            context.Out.WriteLine(LinuxFlushBenchJson.Write(settings, new LinuxFlushBenchJson.Context(hypervisor.Name, platform, loadBefore, loadAfter, qemuVersion), rows, goals, samples));
        }
        else
        {
            context.Out.WriteLine(
                $"Remote TLB flushes in Linux on {hypervisor.Name} ({platform}), {Environment.ProcessorCount} host CPUs, load {loadBefore} -> {loadAfter}: "
                + $"{Path.GetFileName(boot.KernelPath)}, {boot.Memory >> 20} MiB, tlbcheck {settings.Rounds} rounds, {boot.Runs} runs; vmm PV --hv {boot.HyperV}"
                + (qemuVersion is null ? "; no QEMU" : $"; {qemuVersion} -cpu {QemuCpu}"));
            IAnsiConsole console = SpectreConsoles.Create(context.Out, context.OutIsTerminal);
            console.Write(ToTable(rows));
            context.Out.WriteLine("medians; wall and sys: tlbcheck's rounds on the guest's clock and its kernel CPU time (getrusage); /proc/stat: kernel time of all guest CPUs; tracepoint: hyperv_mmu_flush_tlb_multi events; vmm requests: flushes vmm served over the whole boot, p50: its median time to serve one; TLB IPIs: the TLB row of /proc/interrupts");
            foreach (LinuxFlushBenchRow row in rows.Where(r => r.Unavailable))
            {
                context.Out.WriteLine($"{row.Mode.Name} at {row.Vcpus} vCPUs not available here: {row.Failure}");
            }

            foreach (FlushBenchGoal goal in goals)
            {
                context.Out.WriteLine(goal.ToString());
            }
        }

        return Succeeded(samples) ? ExitCodes.Success : ExitCodes.VmFault;
    }

    /// <summary>
    /// Every vmm boot counted. QEMU's are the reference, not what is measured: one that does not count is reported
    /// (stderr, and "not available" when none counted) without failing the command.
    /// </summary>
    internal static bool Succeeded(IEnumerable<LinuxFlushSample> samples) => samples.All(s => s.Passed || s.Mode.Mechanism == LinuxFlushMechanism.KvmPv);

    /// <summary>One row per vCPU count and mode; "n/a" where no boot counted.</summary>
    internal static Table ToTable(IEnumerable<LinuxFlushBenchRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var table = new Table().AddColumn(new TableColumn("vCPUs").RightAligned()).AddColumn("mode");
        foreach (string numeric in new[] { "wall ms", "sys ms", "/proc/stat kernel ms", "flush tracepoint", "vmm requests", "vmm flush p50 µs", "TLB IPIs", "passed" })
        {
            table.AddColumn(new TableColumn(numeric).RightAligned());
        }

        static string F(double? v, string format) => v is double d ? d.ToString(format, CultureInfo.InvariantCulture) : "-";
        foreach (LinuxFlushBenchRow r in rows)
        {
            string passed = $"{r.Passed}/{r.Passed + r.Failed}";
            if (r.Unavailable)
            {
                table.AddRow(r.Vcpus.ToString(CultureInfo.InvariantCulture), Markup.Escape(r.Mode.Name), "n/a", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a", passed);
                continue;
            }

            table.AddRow(
                r.Vcpus.ToString(CultureInfo.InvariantCulture), Markup.Escape(r.Mode.Name), F(r.WallMs, "0.0"), F(r.SysMs, "0.0"), F(r.StatKernelMs, "0"),
                F(r.Tracepoint, "0"), F(r.VmmRequests, "0"), F(r.VmmP50Us, "0.0"), F(r.TlbIpis, "0"), passed);
        }

        return table;
    }

    private static LinuxFlushSample RunOnce(LinuxFlushBenchSettings settings, LinuxFlushMode mode, int cpus, int run)
    {
        LinuxBootBenchSettings boot = settings.Boot;
        var scanner = new BootConsoleScanner(keepAllLines: true);
        ChildRun child;
        int pass;
        if (mode.Mechanism == LinuxFlushMechanism.KvmPv)
        {
            child = LinuxBootChild.Run(boot.Qemu!, LinuxBootCommandLines.Qemu(boot, cpus, QemuCpu, settings.QemuAppend), boot.TimeoutSeconds, scanner);
            pass = LinuxBootCommandLines.QemuPassStatus;
        }
        else
        {
            List<string> args = LinuxBootCommandLines.Vmm(boot, cpus, mode.Mechanism == LinuxFlushMechanism.Ipi ? "none" : boot.HyperV, settings.Append);
            if (mode.Strategy is string strategy)
            {
                args.AddRange(["--flush-strategy", strategy]);
            }

            // The child vmm stops itself at --timeout; the bench waits a little longer before it kills it.
            child = LinuxBootChild.Run(boot.Vmm[0], [.. boot.Vmm.Skip(1), .. args], boot.TimeoutSeconds > 0 ? boot.TimeoutSeconds + 30 : 0, scanner);
            pass = ExitCodes.Success;
        }

        return LinuxFlushSample.Judge(mode, cpus, run, settings.Rounds, scanner.Lines, child, pass);
    }

    private static string Describe(LinuxFlushSample s) => s.Passed
        ? string.Create(
            CultureInfo.InvariantCulture,
            $"wall {s.Report!.ElapsedUs / 1000.0:0.0} ms, sys {s.Report.SysUs / 1000.0:0.0} ms, /proc/stat kernel {s.Report.StatKernelMs:0} ms, tracepoint {s.Report.Tracepoint?.ToString(CultureInfo.InvariantCulture) ?? "-"}, vmm requests {s.VmmRequests?.ToString(CultureInfo.InvariantCulture) ?? "-"} (p50 {s.VmmP50Us?.ToString("0.0", CultureInfo.InvariantCulture) ?? "-"} µs), TLB IPIs {s.Report.TlbDelta}")
        : $"failed: {s.Failure}";
}

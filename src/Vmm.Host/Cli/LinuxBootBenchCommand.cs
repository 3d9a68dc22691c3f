using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Vmm.Core.Boot.Linux;
using Vmm.Core.Hypervisor;
using Vmm.Core.Machine;
using Vmm.HyperV.Cpuid;

namespace Vmm.Host.Cli;

/// <summary>
/// `vmm bench linux-boot` (issue 10): wall time from start to the test initramfs's marker line, vmm next to
/// QEMU+KVM with the same kernel, initramfs, vCPU count and RAM, interleaved on the same host; medians and
/// vmm ÷ QEMU per vCPU count. Both run as child processes and are timed alike; `--in-process` adds vmm booted inside
/// this process, which leaves out a new process's .NET start and JIT.
/// </summary>
internal static class LinuxBootBenchCommand
{
    /// <summary>vmm's kernel command line without --append: what boots on vmm (README, "Linux guests").</summary>
    public const string DefaultAppend = "console=ttyS0 acpi=off pci=off panic=-1 quiet printk.devkmsg=on";

    /// <summary>vmm's Hyper-V profile without --hv: TSC and APIC frequencies from MSRs and the reference TSC page, as QEMU's KVM guest gets kvmclock.</summary>
    public const string DefaultHyperV = "linux,+time,+frequencies";

    /// <summary>The QEMU looked up on PATH without --qemu.</summary>
    public const string DefaultQemu = "qemu-system-x86_64";

    /// <summary>Guest RAM without --memory.</summary>
    public const ulong DefaultMemory = 512UL << 20;

    /// <summary>The limit of one boot without --timeout, in seconds (a nested boot has taken minutes).</summary>
    public const double DefaultTimeoutSeconds = 600;

    private static readonly int[] s_defaultCpus = [1, 2, 4];

    public static Command Create(CliContext context)
    {
        var options = new LinuxBootBenchOptions();
        var command = new Command("linux-boot", $"""
            Boot time of a stock Linux kernel to the test initramfs's marker line ("{BootMarker.Text}N", printed by
            /init: tools/linux-guest), vmm next to QEMU+KVM with the same kernel, initramfs, vCPUs and RAM, interleaved
            per vCPU count. Both run as child processes, timed from just before the start to the marker on their
            console (and to their exit), the .NET start of vmm included; --in-process adds vmm booted inside this
            process. A boot counts when the marker reports every vCPU and the VMM ends with the guest's pass verdict.
            QEMU gets the same command line without acpi=off (its CPUs are described by ACPI). Without --qemu and
            with no {DefaultQemu} on PATH, vmm is measured alone (one line says so); --qemu none does the same.
            Default kernel and initrd: bzImage and initramfs.cpio.gz in $VMM_LINUX_GUEST_DIR or the directory of
            tools/linux-guest/build.sh.

            Examples:
              vmm bench linux-boot
              vmm bench linux-boot --cpus 1,2,4 --runs 5 --json
              vmm bench linux-boot --kernel vmlinux --initrd initramfs.cpio.gz --hv none --in-process
            """);
        options.AddTo(command);
        command.SetAction(result =>
        {
            var errors = new List<string>();
            LinuxBootBenchSettings settings = options.Check(result.CommandResult, errors)
                ?? throw new UsageException(errors.Count > 0 ? errors[0] : "the command line did not check out");
            return Execute(settings, result.GetValue(options.Json), options.QemuWasDefaulted(result.CommandResult), context);
        });
        return command;
    }

    /// <summary>The vmm this process is: its apphost, or `dotnet vmm.dll` when started through the dotnet host.</summary>
    internal static IReadOnlyList<string> ThisVmm()
    {
        string process = Environment.ProcessPath ?? throw new UsageException("cannot tell this process's executable: give --vmm PATH");
        if (string.Equals(Path.GetFileNameWithoutExtension(process), "dotnet", StringComparison.OrdinalIgnoreCase)
            && File.Exists(Path.Combine(AppContext.BaseDirectory, "vmm.dll")))
        {
            return [process, Path.Combine(AppContext.BaseDirectory, "vmm.dll")];
        }

        return [process];
    }

    /// <summary>Opens the hypervisor and refuses one that cannot run a stock Linux kernel (PVM-based KVM), with that fact.</summary>
    internal static IHypervisor OpenForStockLinux(CliContext context, string backend)
    {
        IHypervisor hypervisor = context.OpenHypervisor(backend);
        string platform = hypervisor.Capabilities.Platform;
        if (platform.StartsWith("PVM", StringComparison.Ordinal))
        {
            hypervisor.Dispose();
            throw new HypervisorUnavailableException(
                $"the KVM here is {platform}: it cannot run a stock Linux kernel (its instruction emulator fails on int3); run the benchmark on upstream KVM, e.g. nested (tools/nested-kvm)");
        }

        return hypervisor;
    }

    /// <summary>The default vCPU counts.</summary>
    internal static IReadOnlyList<int> DefaultCpus => s_defaultCpus;

    private static int Execute(LinuxBootBenchSettings settings, bool asJson, bool qemuDefaulted, CliContext context)
    {
        if (settings.Qemu is null && qemuDefaulted)
        {
            context.Error.WriteLine($"vmm: no {DefaultQemu} on PATH: measuring vmm alone (give --qemu PATH to compare)");
        }

        string? qemuVersion = settings.Qemu is null ? null : QemuVersion(settings.Qemu);
        using IHypervisor hypervisor = OpenForStockLinux(context, settings.Backend);
        string platform = hypervisor.Capabilities.Platform;

        string loadBefore = LoadAverage();
        var samples = new List<LinuxBootSample>();
        IReadOnlyList<LinuxBootRunner> runners = settings.Runners;
        int total = settings.Cpus.Count * settings.Runs * runners.Count;
        BenchProgress.Run(context, !asJson && context.ErrorIsTerminal, "linux-boot", total, progress =>
        {
            foreach (int cpus in settings.Cpus)
            {
                for (int run = 1; run <= settings.Runs; run++)
                {
                    foreach (LinuxBootRunner runner in LinuxBootCommandLines.Order(runners, run))
                    {
                        string label = $"linux-boot: {cpus} vCPU{(cpus == 1 ? string.Empty : "s")}, {LinuxBootBenchResults.NameOf(runner)}, run {run}/{settings.Runs}";
                        progress.Report(samples.Count, label);
                        LinuxBootSample sample = BootOnce(settings, runner, cpus, run, hypervisor);
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

        string loadAfter = LoadAverage();
        IReadOnlyList<LinuxBootBenchRow> rows = LinuxBootBenchResults.Rows(samples);
        IReadOnlyList<LinuxBootBenchRatio> ratios = LinuxBootBenchResults.Ratios(rows);
        foreach (LinuxBootSample failed in samples.Where(s => !s.Passed))
        {
            context.Error.WriteLine($"vmm: linux-boot: {LinuxBootBenchResults.NameOf(failed.Runner)}, {failed.Vcpus} vCPUs, run {failed.Run} does not count: {failed.Failure}");
        }

        if (asJson)
        {
            context.Out.WriteLine(BenchJsonContext.Serialize(new Dictionary<string, object?>
            {
                ["benchmark"] = "linux-boot",
                ["backend"] = hypervisor.Name,
                ["platform"] = platform,
                ["hostCpus"] = Environment.ProcessorCount,
                ["loadAverageBefore"] = loadBefore,
                ["loadAverageAfter"] = loadAfter,
                ["kernel"] = settings.KernelPath,
                ["initrd"] = settings.InitrdPath,
                ["memoryMiB"] = settings.Memory >> 20,
                ["append"] = settings.Append,
                ["qemuAppend"] = settings.Qemu is null ? null : settings.QemuAppend,
                ["hv"] = settings.HyperV,
                ["qemu"] = settings.Qemu,
                ["qemuVersion"] = qemuVersion,
                ["runs"] = settings.Runs,
                ["results"] = rows.Select(r => r.ToJson()).ToArray(),
                ["ratios"] = ratios.Select(r => r.ToJson()).ToArray(),
                ["samples"] = samples.Select(s => s.ToJson()).ToArray(),
            }));
        }
        else
        {
            context.Out.WriteLine(
                $"Linux boot to the /init marker on {hypervisor.Name} ({platform}), {Environment.ProcessorCount} host CPUs, load {loadBefore} -> {loadAfter}: "
                + $"{Path.GetFileName(settings.KernelPath)}, {settings.Memory >> 20} MiB, {settings.Runs} runs; vmm --hv {settings.HyperV}"
                + (qemuVersion is null ? "; no QEMU" : $"; {qemuVersion}"));
            IAnsiConsole console = SpectreConsoles.Create(context.Out, context.OutIsTerminal);
            console.Write(ToTable(rows, ratios));
            context.Out.WriteLine("seconds from start (vmm: .NET start included; in-process: from reading the kernel) to the marker and to exit; guest uptime: the kernel's own clock at /init; before kernel: to marker minus uptime");
            foreach (LinuxBootBenchRatio ratio in ratios.Where(r => r.Runner == LinuxBootRunner.Vmm))
            {
                context.Out.WriteLine(ratio.ToString());
            }
        }

        return samples.All(s => s.Passed) ? ExitCodes.Success : ExitCodes.VmFault;
    }

    /// <summary>The rows, then one vmm ÷ QEMU row per vCPU count and vmm runner.</summary>
    internal static Table ToTable(IEnumerable<LinuxBootBenchRow> rows, IEnumerable<LinuxBootBenchRatio> ratios)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(ratios);
        var table = new Table().AddColumn(new TableColumn("vCPUs").RightAligned()).AddColumn("runner");
        foreach (string numeric in new[] { "to marker s", "to exit s", "guest uptime s", "before kernel s", "passed" })
        {
            table.AddColumn(new TableColumn(numeric).RightAligned());
        }

        table.AddColumn("runs to marker s");
        static string S(double? v) => v is double d ? d.ToString("0.00", CultureInfo.InvariantCulture) : "-";
        LinuxBootBenchRatio[] allRatios = [.. ratios];
        foreach (IGrouping<int, LinuxBootBenchRow> group in rows.GroupBy(r => r.Vcpus))
        {
            foreach (LinuxBootBenchRow r in group)
            {
                table.AddRow(
                    r.Vcpus.ToString(CultureInfo.InvariantCulture), LinuxBootBenchResults.NameOf(r.Runner), S(r.MarkerSeconds), S(r.ExitSeconds),
                    S(r.GuestUptimeSeconds), S(r.BeforeKernelSeconds), $"{r.Passed}/{r.Passed + r.Failed}", string.Join(", ", r.MarkerRuns.Select(v => S(v))));
            }

            foreach (LinuxBootBenchRatio ratio in allRatios.Where(x => x.Vcpus == group.Key))
            {
                table.AddRow(
                    ratio.Vcpus.ToString(CultureInfo.InvariantCulture), $"{LinuxBootBenchResults.NameOf(ratio.Runner)} / qemu",
                    ratio.Marker.ToString("0.00x", CultureInfo.InvariantCulture), ratio.Exit.ToString("0.00x", CultureInfo.InvariantCulture), string.Empty, string.Empty, string.Empty, string.Empty);
            }
        }

        return table;
    }

    private static LinuxBootSample BootOnce(LinuxBootBenchSettings settings, LinuxBootRunner runner, int cpus, int run, IHypervisor hypervisor) => runner switch
    {
        LinuxBootRunner.Vmm => LinuxBootChild.Boot(
            runner, cpus, run, settings.Vmm[0], [.. settings.Vmm.Skip(1), .. LinuxBootCommandLines.Vmm(settings, cpus)], ExitCodes.Success, ChildLimit(settings)),
        LinuxBootRunner.Qemu => LinuxBootChild.Boot(
            runner, cpus, run, settings.Qemu!, LinuxBootCommandLines.Qemu(settings, cpus), LinuxBootCommandLines.QemuPassStatus, settings.TimeoutSeconds),
        _ => BootInProcess(settings, cpus, run, hypervisor),
    };

    /// <summary>The child vmm stops itself at --timeout; the bench waits a little longer before it kills it.</summary>
    private static double ChildLimit(LinuxBootBenchSettings settings) => settings.TimeoutSeconds > 0 ? settings.TimeoutSeconds + 30 : 0;

    /// <summary>
    /// vmm inside this process: the clock starts before the kernel and initrd are read (as a child process reads them
    /// after its start) and stops once the machine has exited and been torn down.
    /// </summary>
    private static LinuxBootSample BootInProcess(LinuxBootBenchSettings settings, int cpus, int run, IHypervisor hypervisor)
    {
        var scanner = new BootConsoleScanner();
        using var serial = new BootConsoleStream(scanner);
        HyperVFeatureProfile profile = VmConfiguration.ParseHyperV(settings.HyperV, cpus);
        long started = Stopwatch.GetTimestamp();
        var loader = new LinuxKernelLoader(settings.KernelPath, settings.InitrdPath, settings.Append);
        var config = new VmConfiguration { Cpus = cpus, Memory = settings.Memory, HyperV = profile, Serial = serial, InitrdPath = settings.InitrdPath, KernelCommandLine = settings.Append };
        MachineExit exit;
        using (Machine machine = VmFactory.Create(hypervisor, config, loader, Serilog.Core.Logger.None))
        {
            machine.Start();
            exit = machine.WaitForExit(settings.TimeoutSeconds > 0 ? TimeSpan.FromSeconds(settings.TimeoutSeconds) : Timeout.InfiniteTimeSpan);
        }

        long ended = Stopwatch.GetTimestamp();
        scanner.Complete(ended);
        double? marker = scanner.MarkerTimestamp is long m ? Stopwatch.GetElapsedTime(started, m).TotalSeconds : null;
        string? failure = LinuxBootChild.Judge(marker is not null, scanner.Cpus, cpus, RunCommand.ToExitCode(exit), ExitCodes.Success);
        return new LinuxBootSample(
            LinuxBootRunner.VmmInProcess, cpus, run, marker, Stopwatch.GetElapsedTime(started, ended).TotalSeconds, scanner.GuestUptimeSeconds, scanner.Cpus,
            failure is null ? null : $"{failure} ({exit}); console: {scanner.Tail()}");
    }

    private static string Describe(LinuxBootSample s) => s.Passed
        ? string.Create(CultureInfo.InvariantCulture, $"marker {s.MarkerSeconds:0.00} s, exit {s.ExitSeconds:0.00} s, guest uptime {s.GuestUptimeSeconds:0.00} s, cpus={s.CpusSeen}")
        : $"failed: {s.Failure}";

    /// <summary>The first line of `qemu --version`, e.g. "QEMU emulator version 7.2.22 (Debian ...)".</summary>
    internal static string QemuVersion(string qemu)
    {
        var start = new ProcessStartInfo(qemu, ["--version"]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        try
        {
            using Process process = Process.Start(start) ?? throw new UsageException($"cannot run --qemu '{qemu}'");
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? qemu;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new UsageException($"cannot run --qemu '{qemu}': {e.Message}", e);
        }
    }

    /// <summary>The 1-, 5- and 15-minute load averages (proc(5), /proc/loadavg), or "?" where there are none.</summary>
    internal static string LoadAverage()
    {
        try
        {
            string[] fields = File.ReadAllText("/proc/loadavg").Split(' ');
            return fields.Length >= 3 ? string.Join(' ', fields[..3]) : "?";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "?";
        }
    }
}

using System.CommandLine;
using System.Diagnostics;
using Serilog.Core;
using Vmm.Core.Hypervisor;
using Vmm.Core.Machine;
using Vmm.Host.Logging;

namespace Vmm.Host.Cli;

/// <summary>
/// `vmm run`: boots a built-in guest or a test kernel and reports its verdict as the exit code. Three phases: the
/// command line is checked by the parser (<see cref="RunOptions"/>), the outputs are opened, then the hypervisor is
/// opened and the VM runs.
/// </summary>
internal static class RunCommand
{
    public static Command Create(CliContext context)
    {
        var options = new RunOptions();
        var command = new Command("run", """
            Run a guest on a fresh VM. The guest's verdict is the exit code: 0 pass, 1 fail,
            2 usage error or no usable hypervisor, 3 the VM could not run.

            Examples:
              vmm run                                  run the default guest (hello)
              vmm run --guest smp --cpus 8             8 vCPUs add to a shared counter at CPL3
              vmm run --guest smp --cpus 4 --guest-arg iterations=100000
              vmm run --guest hello --serial out.txt   guest console to a file
              vmm run --guest hvprobe --cpus 4 --hv linux,+time,+frequencies
              vmm run --kernel probe.elf --cpus 2      a test kernel of your own
              vmm run -kernel probe.elf -smp 2 -m 512 -cpu host,hv-vpindex,hv-tlbflush   the same in QEMU's words
              vmm run --guest hcfuzz --trace-hypercalls calls.jsonl
            """);
        options.AddTo(command);
        command.SetAction(result =>
        {
            var errors = new List<string>();
            RunPlan plan = options.Check(result.CommandResult, errors)
                ?? throw new UsageException(errors.Count > 0 ? errors[0] : "the command line did not check out");
            return Execute(plan, context);
        });
        return command;
    }

    internal static int ToExitCode(MachineExit exit) => exit.Reason switch
    {
        MachineExitReason.GuestExit => exit.Status == 0 ? ExitCodes.Success : ExitCodes.GuestFailed,
        _ => ExitCodes.VmFault,
    };

    /// <summary>The configuration the machine is built from (the outputs already open).</summary>
    internal static VmConfiguration ToConfiguration(RunPlan plan, Stream? serial, Stream? trace) => new()
    {
        Cpus = plan.Cpus, Memory = plan.Memory, HyperV = plan.HyperV, Serial = serial, HypercallTrace = trace, HypercallTraceMaxSize = plan.TraceMaxSize,
        VpIndices = plan.VpIndices, UnsafeSkipFlush = plan.UnsafeSkipFlush, PlatformTlbFlush = plan.PlatformTlbFlush,
        FlushStrategy = plan.FlushStrategy, InitrdPath = plan.InitrdPath, KernelCommandLine = plan.KernelCommandLine,
    };

    private static int Execute(RunPlan plan, CliContext context)
    {
        // Phase 2: every output is opened before the hypervisor, and every failure to open one is reported.
        using var outputs = new RunOutputs();
        var openErrors = new List<string>();
        TextWriter? logWriter = outputs.Open(plan.LogPath, "--log", openErrors) is FileStream logStream
            ? outputs.Keep(new StreamWriter(logStream) { AutoFlush = true })
            : null;
        Stream? serial = plan.Serial switch
        {
            { Discard: true } => null,
            { Path: string path } => outputs.Open(path, "--serial", openErrors),
            _ => outputs.Keep(context.OpenStandardOutput()),
        };
        Stream? trace = outputs.Open(plan.TracePath, "--trace-hypercalls", openErrors);
        if (openErrors.Count > 0)
        {
            foreach (string error in openErrors)
            {
                context.Error.WriteLine($"vmm: {error}");
            }

            return ExitCodes.UsageError;
        }

        using Logger log = VmmLogging.Create(plan.Verbose, logWriter, context.Error);
        try
        {
            return RunMachine(plan, context, log, serial, trace);
        }
        catch (Exception e) when (WriteToLog(logWriter, e))
        {
            throw;   // not reached: the filter writes the log and lets the exception go on to the top-level handler
        }
    }

    /// <summary>The stack trace of a failure goes to the --log file only; the console gets one line (VmmCommandLine).</summary>
    private static bool WriteToLog(TextWriter? logWriter, Exception e)
    {
        if (logWriter is not null)
        {
            lock (logWriter)
            {
                logWriter.WriteLine($"{DateTime.Now:HH:mm:ss.fff} [ERR] vmm run failed: {e}");
            }
        }

        return false;
    }

    private static int RunMachine(RunPlan plan, CliContext context, Logger log, Stream? serial, Stream? trace)
    {
        // Phase 3: the hypervisor.
        using IHypervisor hypervisor = context.OpenHypervisor(plan.Backend);
        VmConfiguration config = ToConfiguration(plan, serial, trace) with { HypercallTraceReport = s => context.Error.WriteLine($"vmm: {s}") };
        if (plan.UnsafeSkipFlush)
        {
            context.Error.WriteLine("vmm: WARNING: --unsafe-skip-flush: TLB-flush hypercalls are acknowledged without flushing; the guest will use stale translations");
        }

        var stopwatch = Stopwatch.StartNew();
        MachineExit exit;
        string? guestFault;
        string? vcpuStates;
        string? flushSummary;
        using (Machine machine = VmFactory.Create(hypervisor, config, plan.Loader, log))
        {
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                e.Cancel = true;
                machine.RequestStop(new MachineExit(MachineExitReason.HostRequest, 0, -1, "interrupted"));
            };
            Console.CancelKeyPress += onCancel;
            using SerialInputPump? input = plan.Serial is { Discard: false, Path: null } && context.OpenStandardInput is { } stdin
                ? new SerialInputPump(stdin(), machine.Com1)
                : null;
            try
            {
                machine.Start();
                exit = machine.WaitForExit(plan.TimeoutSeconds > 0 ? TimeSpan.FromSeconds(plan.TimeoutSeconds) : System.Threading.Timeout.InfiniteTimeSpan);
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }

            machine.Dispose();
            guestFault = machine.GuestFaultReport;
            vcpuStates = machine.VcpuStateReport;
            flushSummary = machine.TlbFlush.Summarize();
        }

        serial?.Flush();
        if (guestFault is not null)
        {
            context.Error.WriteLine($"vmm: {guestFault.Replace(Environment.NewLine, Environment.NewLine + "vmm: ", StringComparison.Ordinal)}");
        }

        if (vcpuStates is not null)
        {
            // Where a guest stopped by the time limit or Ctrl-C was: RIPs to look up in the kernel's symbols
            // (System.map, `nm vmlinux`), and whether the VMM still owed any vCPU a kick or a flush.
            context.Error.WriteLine($"vmm: stopped by the host ({exit.Detail}); the vCPUs were at:");
            context.Error.WriteLine($"vmm:   {vcpuStates.Replace(Environment.NewLine, Environment.NewLine + "vmm:   ", StringComparison.Ordinal)}");
        }

        if (flushSummary is not null)
        {
            context.Error.WriteLine($"vmm: {flushSummary}");
        }

        int cpus = plan.Cpus;
        context.Error.WriteLine(
            $"vmm: {plan.What} on {hypervisor.Name} ({hypervisor.Capabilities.Platform}), {cpus} vCPU{(cpus == 1 ? string.Empty : "s")}, {SizeParser.Format(plan.Memory)}, --hv {plan.HyperV}: {exit} after {stopwatch.Elapsed.TotalSeconds:0.00} s");
        return ToExitCode(exit);
    }
}

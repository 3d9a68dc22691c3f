using System.CommandLine;
using System.Diagnostics;
using Serilog.Core;
using Vmm.Core.Hypervisor;
using Vmm.Core.Boot.Elf;
using Vmm.Core.Machine;
using Vmm.HyperV.Cpuid;
using Vmm.Guests;
using Vmm.Host.Logging;

namespace Vmm.Host.Cli;

/// <summary>`vmm run`: boots a built-in guest and reports its verdict as the exit code.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var guest = new Option<string>("--guest")
        {
            Description = "Built-in guest to run: " + string.Join(", ", BuiltInGuests.All.Select(g => g.Name)),
            DefaultValueFactory = _ => BuiltInGuests.DefaultName,
            HelpName = "NAME",
        };
        var guestArgs = new Option<string[]>("--guest-arg")
        {
            Description = "A guest parameter, e.g. iterations=100000 (repeatable)",
            HelpName = "KEY=VALUE",
            AllowMultipleArgumentsPerToken = false,
        };
        var serial = new Option<string?>("--serial")
        {
            Description = "Write COM1 output to FILE instead of the console",
            HelpName = "FILE",
        };
        var kernel = new Option<string?>("--kernel")
        {
            Description = "Run an ELF64 test kernel instead of a built-in guest (see README: the test-kernel protocol)",
            HelpName = "FILE.elf",
        };
        var hv = new Option<string>("--hv")
        {
            Description = "Hyper-V enlightenments: a profile (linux, windows, none) and +feature/-feature edits, e.g. linux,+time,+frequencies",
            DefaultValueFactory = _ => "linux",
            HelpName = "SPEC",
        };
        var trace = new Option<string?>("--trace-hypercalls")
        {
            Description = "Write one JSON line per hypercall to FILE",
            HelpName = "FILE",
        };
        var vpIndex = new Option<string?>("--vp-index")
        {
            Description = "VP index of each vCPU, e.g. 0,1,65,130 (Hyper-V VP_INDEX and VP sets; default: VP index = vCPU index)",
            HelpName = "LIST",
        };
        var unsafeSkipFlush = new Option<bool>("--unsafe-skip-flush")
        {
            Description = "DEBUGGING ONLY: acknowledge TLB-flush hypercalls without flushing (guests will see stale translations)",
        };
        var whpFlush = new Option<string>("--whp-flush")
        {
            Description = "Who serves the TLB-flush hypercalls: vmm (this VMM, in userspace) or hypervisor (WHP's own, as a baseline; whp backend only)",
            DefaultValueFactory = _ => "vmm",
            HelpName = "vmm|hypervisor",
        };
        var flushStrategy = new Option<string>("--flush-strategy")
        {
            Description = "How remote TLB flushes take effect: kick (kick the targets in the guest and wait for them), memslot (one KVM-wide flush by moving a scratch memslot; waits only for vCPUs running in the guest) or auto (probe at start: memslot when the vCPUs outnumber the host CPUs and the platform has it, else kick)",
            DefaultValueFactory = _ => "auto",
            HelpName = "auto|kick|memslot",
        };
        var timeout = new Option<double>("--timeout")
        {
            Description = "Stop the VM after this many seconds (0 = no limit)",
            DefaultValueFactory = _ => 0,
            HelpName = "SECONDS",
        };

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
              vmm run --guest hcfuzz --trace-hypercalls calls.jsonl
            """);
        common.AddTo(command);
        command.Add(guest);
        command.Add(guestArgs);
        command.Add(serial);
        command.Add(kernel);
        command.Add(hv);
        command.Add(trace);
        command.Add(vpIndex);
        command.Add(unsafeSkipFlush);
        command.Add(whpFlush);
        command.Add(flushStrategy);
        command.Add(timeout);
        command.SetAction(result =>
        {
            double seconds = result.GetValue(timeout);
            if (seconds < 0 || double.IsNaN(seconds))
            {
                throw new UsageException("--timeout must be 0 or more seconds");
            }

            int cpus = common.GetCpus(result);
            ulong memory = common.GetMemory(result);
            HyperVFeatureProfile profile = VmConfiguration.ParseHyperV(result.GetValue(hv), cpus);
            int[]? vpIndices = VmConfiguration.ParseVpIndices(result.GetValue(vpIndex), cpus, profile);
            bool skipFlush = result.GetValue(unsafeSkipFlush);
            Vmm.Core.TlbFlush.TlbFlushStrategy strategy = VmConfiguration.ParseFlushStrategy(result.GetValue(flushStrategy));
            bool platformFlush = (result.GetValue(whpFlush) ?? "vmm").ToLowerInvariant() switch
            {
                "vmm" => false,
                "hypervisor" => true,
                string other => throw new UsageException($"--whp-flush must be vmm or hypervisor, not '{other}'"),
            };
            Dictionary<string, string> arguments = GuestArguments.Parse(result.GetValue(guestArgs));
            string? kernelPath = result.GetValue(kernel);
            IGuestLoader loader;
            string what;
            if (kernelPath is not null)
            {
                if (result.GetResult(guest) is { Implicit: false } || arguments.Count > 0)
                {
                    throw new UsageException("--kernel runs your own ELF file: it cannot be combined with --guest or --guest-arg");
                }

                loader = OpenKernel(kernelPath);
                what = $"kernel '{Path.GetFileName(kernelPath)}'";
            }
            else
            {
                string guestName = result.GetValue(guest) ?? BuiltInGuests.DefaultName;
                if (!BuiltInGuests.TryGet(guestName, out IBuiltInGuest builtIn))
                {
                    throw new UsageException($"unknown guest '{guestName}' (built-in guests: {string.Join(", ", BuiltInGuests.All.Select(g => g.Name))})");
                }

                loader = new BuiltInGuestLoader(builtIn, arguments, profile, vpIndices);
                what = $"guest '{builtIn.Name}'";
            }

            string? serialFile = result.GetValue(serial);
            string? traceFile = result.GetValue(trace);

            using Logger log = VmmLogging.Create(result.GetValue(common.Verbose), result.GetValue(common.Log));
            using IHypervisor hypervisor = BackendSelector.Open(result.GetValue(common.Backend) ?? "auto");
            using Stream output = serialFile is null ? Console.OpenStandardOutput() : OpenOutputFile(serialFile, "--serial");
            using Stream? traceStream = traceFile is null ? null : OpenOutputFile(traceFile, "--trace-hypercalls");
            var config = new VmConfiguration
            {
                Cpus = cpus, Memory = memory, HyperV = profile, Serial = output, HypercallTrace = traceStream,
                VpIndices = vpIndices, UnsafeSkipFlush = skipFlush, PlatformTlbFlush = platformFlush, FlushStrategy = strategy,
            };
            if (skipFlush)
            {
                Console.Error.WriteLine("vmm: WARNING: --unsafe-skip-flush: TLB-flush hypercalls are acknowledged without flushing; the guest will use stale translations");
            }

            var stopwatch = Stopwatch.StartNew();
            MachineExit exit;
            string? guestFault;
            string? flushSummary;
            using (Machine machine = VmFactory.Create(hypervisor, config, loader, log))
            {
                ConsoleCancelEventHandler onCancel = (_, e) =>
                {
                    e.Cancel = true;
                    machine.RequestStop(new MachineExit(MachineExitReason.HostRequest, 0, -1, "interrupted"));
                };
                Console.CancelKeyPress += onCancel;
                try
                {
                    machine.Start();
                    exit = machine.WaitForExit(seconds > 0 ? TimeSpan.FromSeconds(seconds) : Timeout.InfiniteTimeSpan);
                }
                finally
                {
                    Console.CancelKeyPress -= onCancel;
                }

                machine.Dispose();
                guestFault = machine.GuestFaultReport;
                flushSummary = machine.TlbFlush.Summarize();
            }

            output.Flush();
            if (guestFault is not null)
            {
                Console.Error.WriteLine($"vmm: {guestFault.Replace(Environment.NewLine, Environment.NewLine + "vmm: ", StringComparison.Ordinal)}");
            }

            if (flushSummary is not null)
            {
                Console.Error.WriteLine($"vmm: {flushSummary}");
            }

            Console.Error.WriteLine(
                $"vmm: {what} on {hypervisor.Name} ({hypervisor.Capabilities.Platform}), {cpus} vCPU{(cpus == 1 ? string.Empty : "s")}, {SizeParser.Format(memory)}, --hv {profile}: {exit} after {stopwatch.Elapsed.TotalSeconds:0.00} s");
            return ToExitCode(exit);
        });
        return command;
    }

    internal static int ToExitCode(MachineExit exit) => exit.Reason switch
    {
        MachineExitReason.GuestExit => exit.Status == 0 ? ExitCodes.Success : ExitCodes.GuestFailed,
        _ => ExitCodes.VmFault,
    };

    private static FileStream OpenOutputFile(string path, string option)
    {
        try
        {
            return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot write {option} file '{path}': {e.Message}");
        }
    }

    private static ElfKernelLoader OpenKernel(string path)
    {
        try
        {
            return new ElfKernelLoader(path);
        }
        catch (KernelLoadException e)
        {
            throw new UsageException($"kernel '{path}': {e.Message}");
        }
    }
}

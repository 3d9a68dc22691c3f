using Serilog;
using Vmm.Core.Boot;
using Vmm.Core.Boot.X86;
using Vmm.Core.Devices;
using Vmm.Core.Devices.Legacy;
using Vmm.Core.Devices.Serial;
using Vmm.Core.Hypervisor;
using Vmm.Core.Memory;
using Vmm.Core.Registers;
using Vmm.Core.TlbFlush;
using Vmm.Core.Vcpu;

namespace Vmm.Core.Machine;

/// <summary>
/// A running VM: guest memory, a partition, the device buses with COM1, the exit and bench ports, and one
/// thread per vCPU. <see cref="Dispose"/> stops every vCPU, joins every thread and frees every native
/// resource (partition fds, kvm_run pages, guest RAM).
/// </summary>
public sealed class Machine : IDisposable, IVcpuThreadOwner
{
    private static readonly TimeSpan s_joinTimeout = TimeSpan.FromSeconds(10);

    private readonly ILogger _log;
    private readonly IPartition _partition;
    private readonly VcpuThread[] _vcpus;
    private readonly TaskCompletionSource<MachineExit> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Stream? _serialOutput;
    private readonly List<IDisposable> _owned = [];
    private volatile bool _stopRequested;
    private VcpuStopState[]? _threadsAtHostStop;
    private bool _disposed;

    private Machine(ILogger log, GuestMemory memory, IPartition partition, MachineOptions options, TlbFlushStrategyChoice flushChoice, bool pcPlatform)
    {
        _log = log;
        Memory = memory;
        _partition = partition;
        _serialOutput = options.SerialOutput;
        Ports = new DeviceBus("pio");
        Mmio = new DeviceBus("mmio");
        Com1 = new Uart16550(new PartitionInterruptLine(partition, StandardPorts.Com1Irq), options.SerialOutput);
        BenchCounter = new BenchCounterDevice();
        Ports.Insert(new BusRange(StandardPorts.Com1, 8), Com1);
        Ports.Insert(new BusRange(StandardPorts.GuestExit, GuestExitDevice.WindowSize), new GuestExitDevice(OnGuestExit));
        Ports.Insert(new BusRange(StandardPorts.BenchCounter, BenchCounterDevice.WindowSize), BenchCounter);
        if (pcPlatform)
        {
            Ports.Insert(new BusRange(CmosRtcDevice.BasePort, CmosRtcDevice.WindowSize), new CmosRtcDevice());
            Ports.Insert(new BusRange(ResetControllerDevice.Port, 1), new ResetControllerDevice(OnGuestReset));
        }

        Dispatcher = new ExitDispatcher(Ports, Mmio, log) { MsrHandler = options.MsrHandler };
        _vcpus = partition.Processors.Select(vp => new VcpuThread(vp, Dispatcher, this)).ToArray();
        TlbFlush = new TlbFlushEngine(_vcpus, flushChoice.Strategy, partition.TryFlushAllGuestTlbs)
        {
            AutoReason = flushChoice.Automatic ? flushChoice.Reason : null,
        };
    }

    /// <summary>Guest RAM.</summary>
    public GuestMemory Memory { get; }

    /// <summary>The port-I/O bus.</summary>
    public DeviceBus Ports { get; }

    /// <summary>The MMIO bus.</summary>
    public DeviceBus Mmio { get; }

    /// <summary>COM1.</summary>
    public Uart16550 Com1 { get; }

    /// <summary>The benchmark counter port.</summary>
    public BenchCounterDevice BenchCounter { get; }

    /// <summary>The exit handler shared by all vCPUs.</summary>
    public ExitDispatcher Dispatcher { get; }

    /// <summary>The remote TLB-flush engine over this machine's vCPUs.</summary>
    public TlbFlushEngine TlbFlush { get; }

    /// <summary>The vCPU threads.</summary>
    public IReadOnlyList<VcpuThread> Vcpus => _vcpus;

    /// <summary>The partition (for composing enlightenments: hypercall page code, TSC frequency, interrupts).</summary>
    public IPartition Partition => _partition;

    /// <summary>The partition's virtual processors.</summary>
    public IReadOnlyList<IVirtualProcessor> Processors => _partition.Processors;

    /// <inheritdoc />
    public bool StopRequested => _stopRequested;

    /// <summary>
    /// After <see cref="Dispose"/>: for every vCPU that stopped inside a default interrupt stub, the vector and
    /// the faulting RIP, CS and error code read from its exception frame; null if none.
    /// </summary>
    public string? GuestFaultReport { get; private set; }

    /// <summary>
    /// After <see cref="Dispose"/> of a machine the host stopped (a time limit, Ctrl-C): one line per vCPU saying
    /// where it was and what the VMM's side of it was doing, so that a hung guest can be told from a VMM that stopped
    /// serving it; null for any other exit.
    /// </summary>
    public string? VcpuStateReport => VcpuStatesAtHostStop is { } states ? string.Join(Environment.NewLine, states) : null;

    /// <summary>After <see cref="Dispose"/> of a machine the host stopped: each vCPU's <see cref="VcpuStopState"/>; null for any other exit.</summary>
    public IReadOnlyList<VcpuStopState>? VcpuStatesAtHostStop { get; private set; }

    /// <summary>Completes when the machine stops.</summary>
    public Task<MachineExit> Exited => _exit.Task;

    /// <summary>Builds a machine: allocates RAM, creates the partition, loads the guest and sets every vCPU's state.</summary>
    /// <exception cref="HypervisorException">The backend refused.</exception>
    /// <exception cref="ArgumentException">The options or the guest do not fit.</exception>
    public static Machine Create(IHypervisor hypervisor, MachineOptions options, IGuestLoader loader, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(hypervisor);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loader);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ProcessorCount, 1);
        ulong size = (options.MemorySize + 0xFFF) & ~0xFFFUL;
        if (size < LongModeLayout.MinimumMemory)
        {
            throw new ArgumentException($"A machine needs at least {LongModeLayout.MinimumMemory >> 20} MiB of memory.", nameof(options));
        }

        CpuidTable cpuid = hypervisor.GetSupportedCpuid();
        cpuid = options.CpuidPolicy is null ? DefaultCpuidPolicy(cpuid) : options.CpuidPolicy(cpuid);

        GuestMemory? memory = null;
        IPartition? partition = null;
        try
        {
            memory = new GuestMemory(GuestRamLayout.Ranges(size).Select(r => new GuestMemoryRegion(r.Start, hypervisor.AllocateGuestMemory(r.Size))).ToArray());

            // The guest is loaded first: its plan says how each vCPU starts, which the partition needs when it
            // creates them.
            IGuestBootPlan plan = loader.Load(memory, options.ProcessorCount);
            partition = hypervisor.CreatePartition(new PartitionOptions
            {
                ProcessorCount = options.ProcessorCount,
                Memory = memory,
                Cpuid = cpuid,
                UserspaceMsrRanges = options.UserspaceMsrRanges,
                EnableHypercalls = options.EnableHypercalls,
                PlatformTlbFlush = options.PlatformTlbFlush,
                StartModes = [.. Enumerable.Range(0, options.ProcessorCount).Select(plan.GetStartMode)],
                CreatePit = plan.UsesPcPlatform,
            });
            foreach (IVirtualProcessor vp in partition.Processors)
            {
                if (plan.GetStartMode(vp.Index) == VcpuStartMode.WaitForStartup)
                {
                    continue;   // INIT/SIPI from the guest sets its state
                }

                vp.GetSpecialRegisters(out SpecialRegisters defaults);
                VcpuBootState state = plan.GetBootState(vp.Index, defaults);
                vp.SetSpecialRegisters(state.Special);
                vp.SetRegisters(state.Registers);
                if (state.Msrs.Count > 0)
                {
                    vp.SetMsrs([.. state.Msrs]);
                }
            }

            if (options.FlushStrategy == TlbFlushStrategy.PlatformWide && !partition.TryFlushAllGuestTlbs())
            {
                throw new HypervisorUnavailableException($"the memslot flush strategy is not available on the {hypervisor.Name} backend here");
            }

            // Probed before any vCPU runs, so the platform-wide flush is timed alone.
            TlbFlushStrategyChoice flushChoice = TlbFlushStrategySelector.Choose(
                options.FlushStrategy, options.ProcessorCount, Environment.ProcessorCount, hypervisor.Capabilities.ReportsPreemptedProcessors, partition.TryFlushAllGuestTlbs);
            if (flushChoice.Automatic && log.IsEnabled(Serilog.Events.LogEventLevel.Information))
            {
                log.Information("TLB flush strategy auto: {Strategy} ({Reason})", TlbFlushStrategySelector.NameOf(flushChoice.Strategy), flushChoice.Reason);
            }

            return new Machine(log, memory, partition, options, flushChoice, plan.UsesPcPlatform);
        }
        catch
        {
            partition?.Dispose();
            memory?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The default CPUID policy: hide every hypervisor leaf (0x40000000-0x4FFFFFFF) the backend offers. On this
    /// host KVM's own paravirtual features would make a guest loop on VMCALL (docs/kvm-host.md#vmcall), and the Hyper-V
    /// leaves, when enabled, must be the only signature a guest sees. Leaf 0x40000000 is kept as explicit
    /// zeros: with no entry KVM would answer from the highest basic leaf.
    /// </summary>
    public static CpuidTable DefaultCpuidPolicy(CpuidTable supported)
    {
        ArgumentNullException.ThrowIfNull(supported);
        CpuidTable table = supported.Clone();
        table.RemoveRange(0x4000_0000, 0x4FFF_FFFF);
        table.Set(new CpuidEntry(0x4000_0000, 0, false, 0, 0, 0, 0));
        return table;
    }

    /// <summary>Disposes <paramref name="resource"/> in <see cref="Dispose"/>, after every vCPU thread has stopped.</summary>
    public void DisposeWith(IDisposable resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        _owned.Add(resource);
    }

    /// <summary>Starts every vCPU thread.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (VcpuThread t in _vcpus)
        {
            t.Start();
        }
    }

    /// <summary>
    /// Waits for the machine to stop; on timeout runs <paramref name="beforeStop"/> (to look at the still-running
    /// machine, e.g. its threads) and stops it with <see cref="MachineExit.TimeLimit"/>.
    /// </summary>
    public MachineExit WaitForExit(TimeSpan timeout, Action? beforeStop = null)
    {
        if (!_exit.Task.Wait(timeout))
        {
            beforeStop?.Invoke();
            RequestStop(MachineExit.TimeLimit(timeout));
        }

        return _exit.Task.Result;
    }

    /// <summary>Stops the machine with <paramref name="exit"/> (the first request wins) and kicks every vCPU.</summary>
    public void RequestStop(MachineExit exit)
    {
        VcpuStopState[]? threads = exit.Reason == MachineExitReason.HostRequest && !_exit.Task.IsCompleted ? SnapshotVcpuThreads() : null;
        if (!_exit.TrySetResult(exit))
        {
            return;
        }

        _threadsAtHostStop = threads;

        _stopRequested = true;
        foreach (VcpuThread t in _vcpus)
        {
            t.Kick();
        }
    }

    /// <inheritdoc />
    void IVcpuThreadOwner.OnVcpuStopped(int processorIndex, VcpuRunResult result)
    {
        MachineExitReason reason = result.Kind switch
        {
            VcpuExitKind.Shutdown => MachineExitReason.Shutdown,
            VcpuExitKind.Reset => MachineExitReason.Reset,
            _ => MachineExitReason.Fault,
        };
        RequestStop(new MachineExit(reason, 0, processorIndex, result.Diagnostic ?? result.Kind.ToString()));
    }

    /// <inheritdoc />
    void IVcpuThreadOwner.OnVcpuFailed(int processorIndex, Exception exception)
    {
        _log.Error(exception, "vCPU {Vcpu} failed", processorIndex);
        RequestStop(new MachineExit(MachineExitReason.Fault, 0, processorIndex, $"vCPU {processorIndex}: {exception.Message}"));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        RequestStop(new MachineExit(MachineExitReason.HostRequest, 0, -1, "machine disposed"));
        bool allJoined = true;
        foreach (VcpuThread t in _vcpus)
        {
            // Kick until the thread leaves: a kick only cancels one entry, and a thread may be between runs.
            for (int attempt = 0; attempt < 100 && !t.Join(TimeSpan.FromMilliseconds(100)); attempt++)
            {
                t.Kick();
            }

            allJoined &= t.Join(s_joinTimeout);
        }

        if (!allJoined)
        {
            // A vCPU thread that never left KVM_RUN still uses the partition: leaking it is safer than
            // unmapping memory under a running guest.
            _log.Error("A vCPU thread did not stop; the partition and guest memory are left mapped.");
            return;
        }

        GuestFaultReport = DescribeParkedInStubs();
        if (_exit.Task.Result.Reason == MachineExitReason.HostRequest)
        {
            VcpuStatesAtHostStop = AddRegisters(_threadsAtHostStop ?? SnapshotVcpuThreads());
        }
        foreach (IDisposable resource in _owned)
        {
            resource.Dispose();
        }

        _partition.Dispose();
        Memory.Dispose();
        _serialOutput?.Flush();
    }

    private VcpuStopState[] SnapshotVcpuThreads()
    {
        // Taken when the host stops the machine, before its own kicks change the counts.
        var states = new VcpuStopState[_vcpus.Length];
        for (int i = 0; i < _vcpus.Length; i++)
        {
            VcpuThread t = _vcpus[i];
            states[i] = new VcpuStopState(
                i, t.TlbState.IsInGuest, t.Exits, t.CanceledExits, t.KickRequested, t.KickAcknowledged, t.TlbState.Applied, t.TlbState.HasPending, string.Empty);
        }

        return states;
    }

    private VcpuStopState[] AddRegisters(VcpuStopState[] states)
    {
        var result = new VcpuStopState[states.Length];
        for (int i = 0; i < states.Length; i++)
        {
            string registers;
            try
            {
                IVirtualProcessor vp = _partition.Processors[i];
                vp.GetRegisters(out StandardRegisters regs);
                vp.GetSpecialRegisters(out SpecialRegisters sregs);
                // RFLAGS.IF is bit 9 (SDM Vol. 1 §3.4.3); the CPL is CS.RPL in protected and long mode.
                registers = $"RIP 0x{regs.Rip:X} RSP 0x{regs.Rsp:X} CPL {sregs.Cs.Selector & 3} IF {(regs.Rflags >> 9) & 1} CR3 0x{sregs.Cr3:X}";
            }
            catch (HypervisorException e)
            {
                registers = $"registers unreadable ({e.Message})";
            }

            result[i] = states[i] with { Registers = registers };
        }

        return result;
    }

    private string? DescribeParkedInStubs()
    {
        var lines = new List<string>();
        foreach (IVirtualProcessor vp in _partition.Processors)
        {
            try
            {
                vp.GetRegisters(out StandardRegisters regs);
                ulong stubs = LongModeLayout.InterruptStubs;
                if (regs.Rip < stubs || regs.Rip >= stubs + (256 * 16))
                {
                    continue;
                }

                byte vector = (byte)((regs.Rip - stubs) / 16);
                // Exceptions that push an error code (SDM Vol. 3 §6.13): #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP.
                bool hasErrorCode = vector is 8 or 10 or 11 or 12 or 13 or 14 or 17 or 21;
                ulong frame = regs.Rsp + (hasErrorCode ? 8UL : 0UL);
                if (Memory.TryRead(frame, out ulong rip) && Memory.TryRead(frame + 8, out ulong cs))
                {
                    string error = hasErrorCode && Memory.TryRead(regs.Rsp, out ulong code) ? $", error code 0x{code:X}" : string.Empty;
                    lines.Add($"vCPU {vp.Index}: {GuestExitStatus.VectorName(vector)} (vector {vector}) at RIP 0x{rip:X}, CS 0x{cs:X} (CPL {cs & 3}){error}");
                }
            }
            catch (HypervisorException)
            {
                // Diagnostics only: a vCPU whose registers cannot be read is simply not described.
            }
        }

        return lines.Count == 0 ? null : string.Join(Environment.NewLine, lines);
    }

    private void OnGuestReset() =>
        RequestStop(new MachineExit(MachineExitReason.Reset, 0, -1, "the guest reset the machine (0xFE to port 0x64)"));

    private void OnGuestExit(uint status) =>
        RequestStop(new MachineExit(MachineExitReason.GuestExit, status, -1, null));
}

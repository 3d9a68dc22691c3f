using System.Diagnostics;
using Vmm.Core.Hypervisor;

namespace Vmm.Core.Vcpu;

/// <summary>
/// One dedicated, named OS thread per virtual processor (never a pool thread: it blocks in KVM_RUN or
/// WHvRunVirtualProcessor). The loop enters the guest, services exits through the backend, and leaves when
/// the machine stops or the vCPU ends the VM.
/// </summary>
/// <remarks>
/// States: Created → Running → Exited. Kicks are numbered: <see cref="Kick"/> returns a sequence number and
/// the thread acknowledges every kick up to the latest it has seen each time a run is canceled, so a waiter
/// can tell that the vCPU has left the guest since it asked (the base of the flush protocol, docs/tlb-flush.md#protocol).
/// The loop allocates nothing per exit; <see cref="AllocatedBytesAfterWarmup"/> measures that on the real thread.
/// </remarks>
public sealed class VcpuThread
{
    /// <summary>Exits after which the allocation baseline is taken (JIT and first-use work are done by then).</summary>
    public const long WarmupExits = 1000;

    private readonly IVirtualProcessor _processor;
    private readonly IVcpuExitHandler _handler;
    private readonly IVcpuThreadOwner _owner;
    private readonly Thread _thread;
    private readonly object _ackLock = new(); // Monitor.Wait/PulseAll need a monitor, not a System.Threading.Lock
    private long _kickRequested;
    private long _kickAcknowledged;
    private long _exits;
    private long _canceledExits;
    private long _allocatedAtWarmup = -1;
    private long _allocatedAtLastSteadyExit = -1;
    private int _started;
    private long _runTicks;

    /// <summary>Creates the thread (not started) for <paramref name="processor"/>.</summary>
    public VcpuThread(IVirtualProcessor processor, IVcpuExitHandler handler, IVcpuThreadOwner owner)
    {
        _processor = processor;
        _handler = handler;
        _owner = owner;
        _thread = new Thread(Loop, maxStackSize: 256 * 1024)
        {
            Name = $"vcpu-{processor.Index}",
            IsBackground = true,
        };
    }

    /// <summary>The vCPU index.</summary>
    public int Index => _processor.Index;

    /// <summary>This vCPU's side of the TLB-flush protocol: in-guest state and a pending flush.</summary>
    public VcpuTlbState TlbState { get; } = new();

    /// <summary>Exits serviced so far (every return from Run).</summary>
    public long Exits => Interlocked.Read(ref _exits);

    /// <summary>
    /// Time this vCPU spent inside <see cref="IVirtualProcessor.Run"/>: in the guest plus exit servicing (the
    /// Hyper-V VP_RUNTIME counter). Readable from any thread.
    /// </summary>
    public TimeSpan RunTime => Stopwatch.GetElapsedTime(0, Volatile.Read(ref _runTicks));

    /// <summary>Runs canceled by a kick.</summary>
    public long CanceledExits => Interlocked.Read(ref _canceledExits);

    /// <summary>The latest kick sequence number handed out (kicks requested so far).</summary>
    public long KickRequested => Interlocked.Read(ref _kickRequested);

    /// <summary>The latest kick sequence number the thread has acknowledged.</summary>
    public long KickAcknowledged => Volatile.Read(ref _kickAcknowledged);

    /// <summary>
    /// Bytes the vCPU thread allocated on the managed heap while servicing exits after its <see cref="WarmupExits"/>th,
    /// up to the last exit that did not stop the machine; -1 if it did not get that far.
    /// </summary>
    public long AllocatedBytesAfterWarmup => _allocatedAtWarmup < 0 || _allocatedAtLastSteadyExit < 0 ? -1 : _allocatedAtLastSteadyExit - _allocatedAtWarmup;

    /// <summary>Exits serviced after warm-up (the sample the allocation figure covers).</summary>
    public long ExitsAfterWarmup => Math.Max(0, Exits - WarmupExits);

    /// <summary>Starts the thread.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _thread.Start();
        }
    }

    /// <summary>Waits for the thread to end.</summary>
    public bool Join(TimeSpan timeout) => Volatile.Read(ref _started) == 0 || _thread.Join(timeout);

    /// <summary>
    /// Any thread: hands a full flush to the platform if it reports this vCPU descheduled in the guest (see
    /// <see cref="IVirtualProcessor.TryDeferFlushWhileDescheduled"/>); true means no kick or wait is needed.
    /// </summary>
    public bool TryDeferFlushWhileDescheduled() => _processor.TryDeferFlushWhileDescheduled();

    /// <summary>Asks the vCPU to leave the guest; returns the kick's sequence number. Any thread.</summary>
    public long Kick()
    {
        long sequence = Interlocked.Increment(ref _kickRequested);
        _processor.Kick();
        return sequence;
    }

    /// <summary>Waits (sleeping, not spinning) until the kick with <paramref name="sequence"/> is acknowledged.</summary>
    public bool WaitForKickAcknowledged(long sequence, TimeSpan timeout)
    {
        if (Volatile.Read(ref _kickAcknowledged) >= sequence)
        {
            return true;
        }

        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        lock (_ackLock)
        {
            while (Volatile.Read(ref _kickAcknowledged) < sequence)
            {
                long left = deadline - Environment.TickCount64;
                if (left <= 0 || !_thread.IsAlive)
                {
                    return Volatile.Read(ref _kickAcknowledged) >= sequence;
                }

                Monitor.Wait(_ackLock, (int)Math.Min(left, 100));
            }
        }

        return true;
    }

    private void AcknowledgeKicks()
    {
        long requested = Volatile.Read(ref _kickRequested);
        if (Volatile.Read(ref _kickAcknowledged) >= requested)
        {
            return;
        }

        lock (_ackLock)
        {
            Volatile.Write(ref _kickAcknowledged, requested);
            Monitor.PulseAll(_ackLock);
        }
    }

    private void Loop()
    {
        bool prepared = false;
        try
        {
            _processor.PrepareRunThread();
            prepared = true;
            while (!_owner.StopRequested)
            {
                long entered = Stopwatch.GetTimestamp();
                TlbState.EnterGuest(_processor);
                VcpuRunResult result = _processor.Run(_handler);
                TlbState.LeaveGuest();
                Volatile.Write(ref _runTicks, _runTicks + (Stopwatch.GetTimestamp() - entered));
                long exits = Interlocked.Increment(ref _exits);
                if (exits == WarmupExits)
                {
                    _allocatedAtWarmup = GC.GetAllocatedBytesForCurrentThread();
                }

                switch (result.Kind)
                {
                    case VcpuExitKind.Continue:
                        // The exit that stops the machine (a guest exit status, say) may allocate once; the
                        // steady-state figure covers every other exit.
                        if (exits >= WarmupExits && !_owner.StopRequested)
                        {
                            _allocatedAtLastSteadyExit = GC.GetAllocatedBytesForCurrentThread();
                        }

                        break;

                    case VcpuExitKind.Canceled:
                        Interlocked.Increment(ref _canceledExits);
                        AcknowledgeKicks();
                        break;

                    case VcpuExitKind.Halted:
                        // Only backends without an in-kernel interrupt controller return here; wait for a kick.
                        WaitWhileHalted();
                        break;

                    default:
                        _owner.OnVcpuStopped(Index, result);
                        return;
                }
            }
        }
        catch (Exception e)
        {
            _owner.OnVcpuFailed(Index, e);
        }
        finally
        {
            AcknowledgeKicks();
            if (prepared)
            {
                _processor.ReleaseRunThread();
            }
        }
    }

    private void WaitWhileHalted()
    {
        long seen = Volatile.Read(ref _kickRequested);
        lock (_ackLock)
        {
            while (!_owner.StopRequested && Volatile.Read(ref _kickRequested) == seen)
            {
                Monitor.Wait(_ackLock, 50);
            }
        }

        AcknowledgeKicks();
    }
}

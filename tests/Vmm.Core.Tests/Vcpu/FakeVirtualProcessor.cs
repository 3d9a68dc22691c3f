using System.Collections.Concurrent;
using Vmm.Core.Hypervisor;
using Vmm.Core.Registers;

namespace Vmm.Core.Tests.Vcpu;

/// <summary>A virtual processor that replays scripted results; with an empty script it "spins" until kicked.</summary>
internal sealed class FakeVirtualProcessor : IVirtualProcessor
{
    private readonly ConcurrentQueue<Func<IVcpuExitHandler, VcpuRunResult>> _script = new();
    private readonly SemaphoreSlim _kicks = new(0);
    private StandardRegisters _regs;
    private SpecialRegisters _sregs;
    private readonly Dictionary<uint, ulong> _msrs = [];
    private int _runCount;
    private int _flushCount;
    private int _flushesSeenAtLastRun;
    private int _deferredFlushes;

    public int Index { get; init; }

    public int PreparedThreadId { get; private set; } = -1;

    public bool Released { get; private set; }

    public void Enqueue(Func<IVcpuExitHandler, VcpuRunResult> step) => _script.Enqueue(step);

    public void PrepareRunThread() => PreparedThreadId = Environment.CurrentManagedThreadId;

    public void ReleaseRunThread() => Released = true;

    public int RunCount => Volatile.Read(ref _runCount);

    public int FlushCount => Volatile.Read(ref _flushCount);

    /// <summary>How many flushes had been applied when the latest Run started (flush-before-entry check).</summary>
    public int FlushesSeenAtLastRun => Volatile.Read(ref _flushesSeenAtLastRun);

    public void FlushGuestTlb() => Interlocked.Increment(ref _flushCount);

    /// <summary>When set, the fake "host" reports this vCPU descheduled: deferral requests succeed and are counted.</summary>
    public bool ReportsDescheduled { get; set; }

    public int DeferredFlushes => Volatile.Read(ref _deferredFlushes);

    public bool TryDeferFlushWhileDescheduled()
    {
        if (!ReportsDescheduled)
        {
            return false;
        }

        Interlocked.Increment(ref _deferredFlushes);
        return true;
    }

    public VcpuRunResult Run(IVcpuExitHandler handler)
    {
        Volatile.Write(ref _flushesSeenAtLastRun, Volatile.Read(ref _flushCount));
        Interlocked.Increment(ref _runCount);
        if (_script.TryDequeue(out Func<IVcpuExitHandler, VcpuRunResult>? step))
        {
            return step(handler);
        }

        // "In the guest": only a kick gets us out.
        _kicks.Wait();
        return VcpuRunResult.Canceled;
    }

    public void Kick() => _kicks.Release();

    /// <summary>For a scripted step: "runs in the guest" for up to <paramref name="upTo"/>, leaving early (Canceled) on a kick.</summary>
    public VcpuRunResult StayInGuest(TimeSpan upTo) => _kicks.Wait(upTo) ? VcpuRunResult.Canceled : VcpuRunResult.Continue;

    public void GetRegisters(out StandardRegisters registers) => registers = _regs;

    public void SetRegisters(in StandardRegisters registers) => _regs = registers;

    public void GetSpecialRegisters(out SpecialRegisters registers) => registers = _sregs;

    public void SetSpecialRegisters(in SpecialRegisters registers) => _sregs = registers;

    public void GetMsrs(Span<MsrEntry> entries)
    {
        foreach (ref MsrEntry e in entries)
        {
            e.Value = _msrs.GetValueOrDefault(e.Index);
        }
    }

    public void SetMsrs(ReadOnlySpan<MsrEntry> entries)
    {
        foreach (MsrEntry e in entries)
        {
            _msrs[e.Index] = e.Value;
        }
    }

    public void Dispose() => _kicks.Dispose();
}

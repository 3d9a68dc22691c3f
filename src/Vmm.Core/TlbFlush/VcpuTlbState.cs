using Vmm.Core.Hypervisor;

namespace Vmm.Core.TlbFlush;

/// <summary>
/// One vCPU's side of the flush protocol (docs/tlb-flush.md#protocol): whether it is in the guest, and the flushes
/// queued for it. A bounded queue of GVA ranges overflows into "flush everything" (over-flushing is always
/// allowed by the TLFS).
/// </summary>
/// <remarks>
/// The ordering argument (a Dekker pair): a requester enqueues, then issues a full barrier, then reads the state;
/// the vCPU publishes InGuest with a full barrier (Interlocked.Exchange), then reads the queue. So either the
/// requester sees InGuest and kicks (and waits for the exit), or the vCPU sees the request and applies it before
/// it enters the guest. A vCPU outside the guest is never waited for.
/// </remarks>
public sealed class VcpuTlbState
{
    /// <summary>Ranges kept per vCPU before the queue degrades to a full flush (KVM keeps 16 too).</summary>
    public const int QueueCapacity = 16;

    private const int Outside = 0;
    private const int InGuest = 1;

    private readonly Lock _lock = new();
    private readonly TlbFlushRange[] _ranges = new TlbFlushRange[QueueCapacity];
    private int _state;
    private int _count;
    private bool _flushAll;
    private int _pending;
    private long _applied;
    private long _appliedAll;

    /// <summary>True while the vCPU is between publishing InGuest and leaving the guest.</summary>
    public bool IsInGuest => Volatile.Read(ref _state) == InGuest;

    /// <summary>Flushes applied on this vCPU so far.</summary>
    public long Applied => Interlocked.Read(ref _applied);

    /// <summary>How many of those were full flushes (asked for, or queue overflow).</summary>
    public long AppliedAll => Interlocked.Read(ref _appliedAll);

    /// <summary>True when a flush is queued and not yet applied.</summary>
    public bool HasPending => Volatile.Read(ref _pending) != 0;

    /// <summary>Queues a flush of <paramref name="ranges"/> (or of everything) for this vCPU. Any thread.</summary>
    public void Enqueue(ReadOnlySpan<TlbFlushRange> ranges, bool flushAll)
    {
        lock (_lock)
        {
            if (flushAll || _flushAll || _count + ranges.Length > QueueCapacity)
            {
                _flushAll = true;
                _count = 0;
            }
            else
            {
                ranges.CopyTo(_ranges.AsSpan(_count));
                _count += ranges.Length;
            }

            Volatile.Write(ref _pending, 1);
        }
    }

    /// <summary>
    /// On the vCPU's thread, right before it enters the guest: publishes InGuest (full barrier), then applies any
    /// queued flush through the backend so the coming entry sees no flushed translation.
    /// </summary>
    public void EnterGuest(IVirtualProcessor processor)
    {
        Interlocked.Exchange(ref _state, InGuest);
        if (Volatile.Read(ref _pending) != 0)
        {
            Apply(processor);
        }
    }

    /// <summary>On the vCPU's thread, right after the guest exits (the requester need not wait for it now).</summary>
    public void LeaveGuest() => Interlocked.Exchange(ref _state, Outside);

    private void Apply(IVirtualProcessor processor)
    {
        lock (_lock)
        {
            processor.FlushGuestTlb(_ranges.AsSpan(0, _count), _flushAll);
            if (_flushAll)
            {
                _appliedAll++;
            }

            _applied++;
            _count = 0;
            _flushAll = false;
            Volatile.Write(ref _pending, 0);
        }
    }
}

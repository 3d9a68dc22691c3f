using Vmm.Core.Hypervisor;

namespace Vmm.Core.Vcpu;

/// <summary>
/// One vCPU's side of the flush protocol (docs/tlb-flush.md#protocol): whether it is in the guest, and whether a
/// flush is pending for it. A pending flush is always a full flush (<see cref="IVirtualProcessor.FlushGuestTlb"/>),
/// so any number of requests queued while the vCPU is outside the guest coalesce into one.
/// </summary>
/// <remarks>
/// The ordering argument (a Dekker pair): a requester enqueues, then issues a full barrier, then reads the state;
/// the vCPU publishes InGuest with a full barrier (Interlocked.Exchange), then reads the pending flag. So either the
/// requester sees InGuest and kicks (and waits for the exit), or the vCPU sees the request and applies it before
/// it enters the guest. A vCPU outside the guest is never waited for.
/// </remarks>
public sealed class VcpuTlbState
{
    private const int Outside = 0;
    private const int InGuest = 1;

    private int _state;
    private int _pending;
    private long _applied;

    /// <summary>True while the vCPU is between publishing InGuest and leaving the guest.</summary>
    public bool IsInGuest => Volatile.Read(ref _state) == InGuest;

    /// <summary>Flushes applied on this vCPU so far.</summary>
    public long Applied => Interlocked.Read(ref _applied);

    /// <summary>True when a flush is queued and not yet applied.</summary>
    public bool HasPending => Volatile.Read(ref _pending) != 0;

    /// <summary>Queues a full flush for this vCPU. Any thread.</summary>
    public void Enqueue() => Volatile.Write(ref _pending, 1);

    /// <summary>
    /// On the vCPU's thread, right before it enters the guest: publishes InGuest (full barrier), then applies any
    /// queued flush through the backend so the coming entry sees no flushed translation.
    /// </summary>
    public void EnterGuest(IVirtualProcessor processor)
    {
        Interlocked.Exchange(ref _state, InGuest);

        // Clear the flag before flushing (full barrier): a request that arrives during the flush sets it again and
        // is applied at the next entry, never lost.
        if (Volatile.Read(ref _pending) != 0 && Interlocked.Exchange(ref _pending, 0) != 0)
        {
            processor.FlushGuestTlb();
            Interlocked.Increment(ref _applied);
        }
    }

    /// <summary>On the vCPU's thread, right after the guest exits (the requester need not wait for it now).</summary>
    public void LeaveGuest() => Interlocked.Exchange(ref _state, Outside);
}

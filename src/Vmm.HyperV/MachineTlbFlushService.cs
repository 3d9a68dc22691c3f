using Vmm.Core.Machine;
using Vmm.Core.TlbFlush;
using Vmm.HyperV.Tlfs;
using Vmm.HyperV.TlbFlush;

namespace Vmm.HyperV;

/// <summary>
/// Serves the flush hypercalls with the machine's <see cref="TlbFlushEngine"/>: when a call returns, every target
/// has either left the guest (kicked and awaited) or will flush before it next enters (docs/tlb-flush.md).
/// Address spaces and NON_GLOBAL_MAPPINGS_ONLY are ignored: every flush covers all address spaces and global
/// mappings too, which the TLFS allows (over-flushing).
/// </summary>
public sealed class MachineTlbFlushService : ITlbFlushService, ISyntheticIpiSender
{
    private readonly Machine _machine;

    /// <summary>Creates the service for <paramref name="machine"/>.</summary>
    public MachineTlbFlushService(Machine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        _machine = machine;
    }

    /// <summary>
    /// `--unsafe-skip-flush`: acknowledge every flush without doing it. Only for showing that the coherence test
    /// detects a missing flush; guests then use stale translations.
    /// </summary>
    public bool UnsafeSkipFlush { get; init; }

    /// <inheritdoc />
    public HvStatus FlushVirtualAddressSpace(int requesterVcpu, in TargetSet targets, ulong addressSpace, HvFlushFlags flags) =>
        Flush(requesterVcpu, targets, [], flushAll: true);

    /// <inheritdoc />
    public HvStatus FlushVirtualAddressList(int requesterVcpu, in TargetSet targets, ulong addressSpace, HvFlushFlags flags, ReadOnlySpan<GvaRange> ranges)
    {
        Span<TlbFlushRange> converted = stackalloc TlbFlushRange[VcpuTlbState.QueueCapacity];
        if (ranges.Length > converted.Length)
        {
            return Flush(requesterVcpu, targets, [], flushAll: true);
        }

        for (int i = 0; i < ranges.Length; i++)
        {
            converted[i] = new TlbFlushRange(ranges[i].FirstPage, ranges[i].PageCount);
        }

        return Flush(requesterVcpu, targets, converted[..ranges.Length], flushAll: false);
    }

    /// <inheritdoc />
    public void SendFixedInterrupt(int vcpu, byte vector) => _machine.Partition.SendFixedInterrupt(vcpu, vector);

    private HvStatus Flush(int requester, in TargetSet targets, ReadOnlySpan<TlbFlushRange> ranges, bool flushAll)
    {
        if (UnsafeSkipFlush)
        {
            return HvStatus.Success;
        }

        int vcpus = _machine.Vcpus.Count;
        Span<int> indices = vcpus <= 1024 ? stackalloc int[vcpus] : new int[vcpus];
        int n = 0;
        foreach (int vcpu in targets)
        {
            if ((uint)vcpu < (uint)vcpus)
            {
                indices[n++] = vcpu;
            }
        }

        TlbFlushResult result = _machine.TlbFlush.Flush(requester, indices[..n], ranges, flushAll);

        // Incomplete only when a target's thread is gone (the VM is stopping): say so rather than claim success.
        return result.Complete ? HvStatus.Success : HvStatus.InvalidVpState;
    }
}

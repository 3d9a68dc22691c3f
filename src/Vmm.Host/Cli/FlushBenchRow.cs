namespace Vmm.Host.Cli;

/// <summary>One row of `vmm bench flush`: the guest-timed latency of one way of flushing all other vCPUs.</summary>
/// <param name="Vcpus">vCPUs in the VM (vCPU 0 flushes the other Vcpus − 1).</param>
/// <param name="Mode">`pv` (HvCallFlushVirtualAddressSpace) or `ipi` (the guest's own IPI shootdown).</param>
/// <param name="Strategy">How the VMM serves the hypercall (`kick`, `memslot`); null for `ipi`, which makes none.</param>
/// <param name="P50Us">Median round, µs.</param>
/// <param name="P90Us">90th percentile, µs.</param>
/// <param name="P99Us">99th percentile, µs.</param>
/// <param name="MaxUs">Slowest round, µs.</param>
/// <param name="Rounds">Timed rounds.</param>
/// <param name="Awaited">Targets the VMM kicked out of the guest and waited for.</param>
/// <param name="NotWaited">Targets that were outside the guest (they flush before they re-enter).</param>
/// <param name="PlatformFlushed">Targets covered by the platform-wide memslot flush.</param>
/// <param name="PreemptedDeferred">Targets the host reported preempted, handed to KVM by CAS (never on PVM hosts).</param>
/// <param name="VmmP99Us">
/// p99 of the same requests measured inside the VMM (the flush engine, from the hypercall to completion): what the
/// guest-timed p99 has on top of it is the exit, the re-entry and the requester vCPU waiting for a host CPU.
/// </param>
internal sealed record FlushBenchRow(int Vcpus, string Mode, string? Strategy, double P50Us, double P90Us, double P99Us, double MaxUs, int Rounds, long Awaited, long NotWaited, long PlatformFlushed, long PreemptedDeferred = 0, double VmmP99Us = 0)
{
    /// <summary>Targets the VMM did not wait for: outside the guest, preempted and handed to KVM, or covered by the memslot flush.</summary>
    public long Deferred => NotWaited + PlatformFlushed + PreemptedDeferred;

    /// <summary>The JSON object of the row, with the documented field names.</summary>
    public Dictionary<string, object?> ToJson() => new()
    {
        ["vcpus"] = Vcpus,
        ["mode"] = Mode,
        ["strategy"] = Strategy,
        ["p50Us"] = P50Us,
        ["p90Us"] = P90Us,
        ["p99Us"] = P99Us,
        ["maxUs"] = MaxUs,
        ["rounds"] = Rounds,
        ["deferred"] = Deferred,
        ["awaited"] = Awaited,
        ["notWaited"] = NotWaited,
        ["platformFlushed"] = PlatformFlushed,
        ["preemptedDeferred"] = PreemptedDeferred,
        ["vmmP99Us"] = VmmP99Us,
    };
}

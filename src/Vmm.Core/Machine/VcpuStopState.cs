namespace Vmm.Core.Machine;

/// <summary>
/// Where one vCPU was when the host stopped the machine (a time limit, Ctrl-C), and what vmm's side of it was doing at
/// that moment: enough to tell a hung guest from a VMM that stopped serving it.
/// </summary>
/// <param name="Index">The vCPU.</param>
/// <param name="InGuest">Its thread was inside the guest (in KVM_RUN), not servicing an exit.</param>
/// <param name="Exits">Exits serviced so far.</param>
/// <param name="KickExits">Of those, runs canceled by a kick.</param>
/// <param name="KicksRequested">Kicks asked of it so far.</param>
/// <param name="KicksAcknowledged">Kicks it had acknowledged by leaving the guest.</param>
/// <param name="FlushesApplied">Remote TLB flushes it had applied.</param>
/// <param name="FlushQueued">A flush was queued for it and not yet applied.</param>
/// <param name="Registers">"RIP 0x… RSP 0x… CPL n IF n CR3 0x…" read after the stop, or why they could not be read.</param>
public sealed record VcpuStopState(
    int Index, bool InGuest, long Exits, long KickExits, long KicksRequested, long KicksAcknowledged, long FlushesApplied, bool FlushQueued, string Registers)
{
    /// <summary>
    /// True when vmm owed this vCPU nothing: it was in the guest, had acknowledged every kick and had no flush waiting.
    /// A vCPU that was outside the guest, or a kick or flush still open, puts a hang on vmm's side.
    /// </summary>
    public bool VmmOwedNothing => InGuest && KicksAcknowledged == KicksRequested && !FlushQueued;

    /// <inheritdoc />
    public override string ToString() =>
        $"vCPU {Index}: {Registers}; when stopped: {(InGuest ? "in the guest" : "outside the guest")}, exits {Exits} ({KickExits} by kicks), "
        + $"kicks acknowledged {KicksAcknowledged} of {KicksRequested}, flushes applied {FlushesApplied}{(FlushQueued ? ", one queued" : string.Empty)}";
}

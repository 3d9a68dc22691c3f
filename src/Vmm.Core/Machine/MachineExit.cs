using Vmm.Core.Boot.X86;

namespace Vmm.Core.Machine;

/// <summary>How a machine ended.</summary>
/// <param name="Reason">Why.</param>
/// <param name="Status">For <see cref="MachineExitReason.GuestExit"/>: the guest's status (0 = pass).</param>
/// <param name="Processor">The vCPU that ended it, or -1.</param>
/// <param name="Detail">What the platform or the VMM said, if anything.</param>
public sealed record MachineExit(MachineExitReason Reason, uint Status, int Processor, string? Detail)
{
    /// <summary>The host's stop at the end of a time limit of <paramref name="limit"/>.</summary>
    public static MachineExit TimeLimit(TimeSpan limit) => new(MachineExitReason.HostRequest, 0, -1, $"time limit of {limit.TotalSeconds:0.#} s reached");

    /// <summary>True when the guest reported success.</summary>
    public bool Passed => Reason == MachineExitReason.GuestExit && Status == GuestExitStatus.Pass;

    /// <inheritdoc />
    public override string ToString() => Reason switch
    {
        MachineExitReason.GuestExit => $"guest exited: {GuestExitStatus.Describe(Status)}" + (Processor >= 0 ? $" (vCPU {Processor})" : string.Empty),
        _ => $"{Reason}" + (Detail is null ? string.Empty : $": {Detail}"),
    };
}

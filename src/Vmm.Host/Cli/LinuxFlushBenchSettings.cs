namespace Vmm.Host.Cli;

/// <summary>What `vmm bench linux-flush` runs, checked before any hypervisor is opened.</summary>
internal sealed record LinuxFlushBenchSettings
{
    /// <summary>The kernel, initrd, command lines, RAM, vCPU counts, runs, vmm's PV profile, QEMU and vmm to start (linux-boot's checks).</summary>
    public required LinuxBootBenchSettings Boot { get; init; }

    /// <summary>vmm's `--flush-strategy` names to measure, in order.</summary>
    public required IReadOnlyList<string> Strategies { get; init; }

    /// <summary>tlbcheck's rounds (remaps, each one remote flush) per boot.</summary>
    public required long Rounds { get; init; }

    /// <summary>The SVG file to plot guest sys time per vCPU count into, or null.</summary>
    public string? PlotPath { get; init; }

    /// <summary>The modes of one run in the order they run: IPI, vmm PV per strategy, then KVM PV when there is a QEMU.</summary>
    public IReadOnlyList<LinuxFlushMode> Modes =>
        [new(LinuxFlushMechanism.Ipi), .. Strategies.Select(s => new LinuxFlushMode(LinuxFlushMechanism.VmmPv, s)), .. Boot.Qemu is null ? Array.Empty<LinuxFlushMode>() : [new(LinuxFlushMechanism.KvmPv)]];

    /// <summary>The guest's kernel command line for vmm: linux-boot's with tlbcheck's switches (tools/linux-guest/init.sh).</summary>
    public string Append => $"{Boot.Append} {GuestSwitches}";

    /// <summary>QEMU's kernel command line with the same switches.</summary>
    public string QemuAppend => $"{Boot.QemuAppend} {GuestSwitches}";

    private string GuestSwitches => FormattableString.Invariant($"vmmtest=tlb vmmtest.rounds={Rounds}");
}

namespace Vmm.Host.Cli;

/// <summary>One column of `vmm bench linux-flush`: a flush mechanism and, for vmm's PV flush, the `--flush-strategy`.</summary>
/// <param name="Mechanism">How the guest flushes.</param>
/// <param name="Strategy">vmm's `--flush-strategy` name (kick, memslot, auto) for <see cref="LinuxFlushMechanism.VmmPv"/>, else null.</param>
internal sealed record LinuxFlushMode(LinuxFlushMechanism Mechanism, string? Strategy = null)
{
    /// <summary>The name in the table, the JSON and the plot: "ipi", "vmm pv kick", "kvm pv".</summary>
    public string Name => Mechanism switch
    {
        LinuxFlushMechanism.Ipi => "ipi",
        LinuxFlushMechanism.VmmPv => $"vmm pv {Strategy}",
        LinuxFlushMechanism.KvmPv => "kvm pv",
        _ => throw new ArgumentOutOfRangeException(nameof(Mechanism)),
    };

    /// <summary>Whether the guest must have taken the Hyper-V flush ("Hyper-V: Using hypercall for remote TLB flush").</summary>
    public bool Paravirtual => Mechanism != LinuxFlushMechanism.Ipi;
}

namespace Vmm.Core.Hypervisor;

/// <summary>What a backend offers on this host, as `vmm info` prints it.</summary>
public sealed record HypervisorCapabilities
{
    /// <summary>Backend name.</summary>
    public required string Backend { get; init; }

    /// <summary>Human-readable platform version (KVM API version, Windows build).</summary>
    public required string Version { get; init; }

    /// <summary>What kind of platform serves the backend (e.g. "PVM (kvm_pvm)" or "SVM (kvm_amd), nested"; empty where unknown).</summary>
    public string Platform { get; init; } = string.Empty;

    /// <summary>
    /// The platform marks a vCPU that was descheduled while running as preempted, where the VMM can hand it a flush
    /// instead of waiting for it (KVM_VCPU_PREEMPTED on upstream KVM; never on PVM; WHP has no such mark).
    /// </summary>
    public bool ReportsPreemptedProcessors { get; init; }

    /// <summary>Host logical processors.</summary>
    public required int HostProcessorCount { get; init; }

    /// <summary>The largest vCPU count a partition may have.</summary>
    public required int MaxProcessorCount { get; init; }

    /// <summary>Named features and whether each is available (e.g. "sync-regs", "user-space-msr").</summary>
    public required IReadOnlyDictionary<string, bool> Features { get; init; }
}

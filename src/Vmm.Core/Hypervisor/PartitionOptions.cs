using Vmm.Core.Memory;

namespace Vmm.Core.Hypervisor;

/// <summary>What a partition is created with.</summary>
public sealed record PartitionOptions
{
    /// <summary>Number of virtual processors.</summary>
    public required int ProcessorCount { get; init; }

    /// <summary>Guest RAM; the partition maps every region and takes no ownership.</summary>
    public required GuestMemory Memory { get; init; }

    /// <summary>
    /// The CPUID table every virtual processor gets. Backends patch only the per-processor fields
    /// (initial APIC ID in leaf 1 EBX[31:24], x2APIC ID in leaves 0xB and 0x1F EDX).
    /// </summary>
    public required CpuidTable Cpuid { get; init; }

    /// <summary>
    /// MSR ranges the guest's accesses to which must reach <see cref="IVcpuExitHandler"/> even where the
    /// platform knows them (the Hyper-V synthetic MSRs, 0x40000000-0x400000FF).
    /// </summary>
    public IReadOnlyList<MsrRange> UserspaceMsrRanges { get; init; } = [];

    /// <summary>
    /// Deliver hypercalls to <see cref="IVcpuExitHandler.Hypercall"/>. On KVM that makes port-I/O OUTs to
    /// the reserved hypercall port (<see cref="Devices.StandardPorts.Hypercall"/>) hypercalls (docs/design.md#hypercall-transport); without it that port is ordinary.
    /// </summary>
    public bool EnableHypercalls { get; init; }

    /// <summary>
    /// Let the platform's own hypervisor serve the remote-flush hypercalls instead of the VMM (WHP: the
    /// TbFlushHypercalls and ExtendedProcessorMasks synthetic features, with its own hypercall page and VP index),
    /// as a baseline to compare the userspace flush against. Backends that cannot throw
    /// <see cref="HypervisorUnavailableException"/>.
    /// </summary>
    public bool PlatformTlbFlush { get; init; }

    /// <summary>How each vCPU starts (index = vCPU); missing entries mean <see cref="VcpuStartMode.Running"/>.</summary>
    public IReadOnlyList<VcpuStartMode> StartModes { get; init; } = [];

    /// <summary>Adds the platform's PIT (8254) for guests that calibrate or tick with it.</summary>
    public bool CreatePit { get; init; }
}

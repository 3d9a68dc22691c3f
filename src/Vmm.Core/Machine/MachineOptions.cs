using Vmm.Core.Hypervisor;
using Vmm.Core.Vcpu;

namespace Vmm.Core.Machine;

/// <summary>How a machine is put together.</summary>
public sealed record MachineOptions
{
    /// <summary>vCPUs.</summary>
    public int ProcessorCount { get; init; } = 1;

    /// <summary>Bytes of RAM at GPA 0 (rounded up to a page).</summary>
    public ulong MemorySize { get; init; } = 256UL << 20;

    /// <summary>Where COM1 output goes; null discards it.</summary>
    public Stream? SerialOutput { get; init; }

    /// <summary>Turns the backend's supported CPUID into what the guest sees; null keeps the default policy.</summary>
    public Func<CpuidTable, CpuidTable>? CpuidPolicy { get; init; }

    /// <summary>MSR ranges that must exit to userspace.</summary>
    public IReadOnlyList<MsrRange> UserspaceMsrRanges { get; init; } = [];

    /// <summary>Deliver hypercalls to the exit dispatcher (see <see cref="PartitionOptions.EnableHypercalls"/>).</summary>
    public bool EnableHypercalls { get; init; }

    /// <summary>How remote TLB flushes take effect (`--flush-strategy`).</summary>
    public TlbFlush.TlbFlushStrategy FlushStrategy { get; init; }

    /// <summary>See <see cref="PartitionOptions.PlatformTlbFlush"/>.</summary>
    public bool PlatformTlbFlush { get; init; }

    /// <summary>Services userspace MSR exits; null makes them #GP.</summary>
    public IMsrHandler? MsrHandler { get; init; }
}

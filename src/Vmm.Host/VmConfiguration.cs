using Vmm.HyperV.Cpuid;

namespace Vmm.Host;

/// <summary>What `vmm run` and the benchmarks build a VM from.</summary>
public sealed record VmConfiguration
{
    /// <summary>vCPUs.</summary>
    public int Cpus { get; init; } = 1;

    /// <summary>Bytes of RAM.</summary>
    public ulong Memory { get; init; } = 256UL << 20;

    /// <summary>The Hyper-V enlightenments to advertise and emulate.</summary>
    public HyperVFeatureProfile HyperV { get; init; } = HyperVFeatureProfile.Linux;

    /// <summary>COM1 output, or null to discard it.</summary>
    public Stream? Serial { get; init; }

    /// <summary>Where to write one JSON line per hypercall, or null for no trace.</summary>
    public Stream? HypercallTrace { get; init; }

    /// <summary>VP index of each vCPU (`--vp-index`), or null for VP index = vCPU index.</summary>
    public IReadOnlyList<int>? VpIndices { get; init; }

    /// <summary>`--flush-strategy`: how remote TLB flushes take effect.</summary>
    public Vmm.Core.TlbFlush.TlbFlushStrategy FlushStrategy { get; init; }

    /// <summary>`--whp-flush hypervisor`: the platform's hypervisor serves the flush hypercalls (a baseline).</summary>
    public bool PlatformTlbFlush { get; init; }

    /// <summary>`--unsafe-skip-flush`: acknowledge flush hypercalls without flushing.</summary>
    public bool UnsafeSkipFlush { get; init; }

    /// <summary>`--initrd FILE`: the initial ramdisk loaded with a Linux `--kernel`, or null.</summary>
    public string? InitrdPath { get; init; }

    /// <summary>`--append TEXT`: the kernel command line of a Linux `--kernel`, or null.</summary>
    public string? KernelCommandLine { get; init; }

    /// <summary>Parses `--hv`, reporting mistakes as usage errors and checking the profile fits the vCPU count.</summary>
    public static HyperVFeatureProfile ParseHyperV(string? spec, int cpus)
    {
        if (!HyperVFeatureProfile.TryParse(spec ?? "linux", out HyperVFeatureProfile? profile, out string? error))
        {
            throw new UsageException($"--hv: {error}");
        }

        if (!profile.TryValidateFor(cpus, out string? fitError))
        {
            throw new UsageException($"--hv: {fitError}");
        }

        return profile;
    }
}

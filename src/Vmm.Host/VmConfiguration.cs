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

    /// <summary>`--trace-max-size`: the most bytes the hypercall trace may take; later records are dropped and counted.</summary>
    public long HypercallTraceMaxSize { get; init; } = long.MaxValue;

    /// <summary>Told what the hypercall trace wrote and dropped, once its writer has finished (after the vCPUs stopped).</summary>
    public Action<Vmm.HyperV.Hypercalls.HypercallTraceStatistics>? HypercallTraceReport { get; init; }

    /// <summary>VP index of each vCPU (`--vp-index`), or null for VP index = vCPU index.</summary>
    public IReadOnlyList<int>? VpIndices { get; init; }

    /// <summary>`--flush-strategy`: how remote TLB flushes take effect.</summary>
    public Vmm.Core.TlbFlush.TlbFlushStrategy FlushStrategy { get; init; }

    /// <summary>Parses `--flush-strategy auto|kick|memslot`.</summary>
    public static Vmm.Core.TlbFlush.TlbFlushStrategy ParseFlushStrategy(string? text) => (text ?? "auto").ToLowerInvariant() switch
    {
        "auto" => Vmm.Core.TlbFlush.TlbFlushStrategy.Auto,
        "kick" => Vmm.Core.TlbFlush.TlbFlushStrategy.KickAndWait,
        "memslot" => Vmm.Core.TlbFlush.TlbFlushStrategy.PlatformWide,
        string other => throw new UsageException($"--flush-strategy must be auto, kick or memslot, not '{other}'"),
    };

    /// <summary>`--whp-flush hypervisor`: the platform's hypervisor serves the flush hypercalls (a baseline).</summary>
    public bool PlatformTlbFlush { get; init; }

    /// <summary>`--unsafe-skip-flush`: acknowledge flush hypercalls without flushing.</summary>
    public bool UnsafeSkipFlush { get; init; }

    /// <summary>Parses `--vp-index 0,1,65,...`: one distinct index from 0 to 4095 per vCPU.</summary>
    public static int[]? ParseVpIndices(string? text, int cpus, HyperVFeatureProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var indices = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out indices[i]) || indices[i] > 4095)
            {
                throw new UsageException($"--vp-index: '{parts[i]}' is not a VP index from 0 to 4095");
            }
        }

        if (indices.Length != cpus)
        {
            throw new UsageException($"--vp-index lists {indices.Length} VP indices for {cpus} vCPUs: give one per vCPU");
        }

        if (indices.Distinct().Count() != indices.Length)
        {
            throw new UsageException("--vp-index: every vCPU needs its own VP index");
        }

        if (indices.Max() >= 64 && (profile.Has(HyperVFeature.TlbFlush) || profile.Has(HyperVFeature.Ipi)) && !profile.Has(HyperVFeature.TlbFlushEx))
        {
            throw new UsageException("--vp-index: VP indices of 64 and above need the Ex hypercalls (add '+tlbflush-ex' to --hv)");
        }

        return indices;
    }

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

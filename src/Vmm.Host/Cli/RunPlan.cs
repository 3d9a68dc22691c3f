using Vmm.Core.Boot;
using Vmm.Core.Machine;
using Vmm.Core.TlbFlush;
using Vmm.HyperV.Cpuid;

namespace Vmm.Host.Cli;

/// <summary>Everything `vmm run` was asked to do, checked: what the run phase needs, with nothing left to validate.</summary>
internal sealed record RunPlan
{
    public required string Backend { get; init; }

    public required int Cpus { get; init; }

    public required ulong Memory { get; init; }

    public required HyperVFeatureProfile HyperV { get; init; }

    public required int[]? VpIndices { get; init; }

    public required TlbFlushStrategy FlushStrategy { get; init; }

    public required bool PlatformTlbFlush { get; init; }

    public required bool UnsafeSkipFlush { get; init; }

    public required double TimeoutSeconds { get; init; }

    public required IGuestLoader Loader { get; init; }

    /// <summary>"guest 'hello'" or "kernel 'probe.elf'", for the summary line.</summary>
    public required string What { get; init; }

    public required SerialTarget Serial { get; init; }

    public required string? TracePath { get; init; }

    /// <summary>`--trace-max-size`: the most bytes the hypercall trace may take.</summary>
    public long TraceMaxSize { get; init; } = long.MaxValue;

    public required string? LogPath { get; init; }

    public required bool Verbose { get; init; }

    public required string? InitrdPath { get; init; }

    public required string? KernelCommandLine { get; init; }
}

namespace Vmm.Host.Tracing;

/// <summary>One vCPU's row of a trace summary.</summary>
public sealed record VcpuCallSummary
{
    /// <summary>vCPU index.</summary>
    public int Vcpu { get; init; }

    /// <summary>Calls it made.</summary>
    public long Count { get; init; }

    /// <summary>Calls that did not end in HV_STATUS_SUCCESS (or were answered with #UD).</summary>
    public long Failed { get; init; }

    /// <summary>Dispatcher time per call, µs.</summary>
    public DurationSummary Duration { get; init; } = new();
}

namespace Vmm.Host.Tracing;

/// <summary>
/// One line of a hypercall trace (`vmm run --trace-hypercalls`), as read back: the fields
/// <see cref="Vmm.HyperV.Hypercalls.HypercallTraceWriter"/> documents.
/// </summary>
public sealed record HypercallTraceEntry
{
    /// <summary>1-based line number in the trace file.</summary>
    public long Line { get; init; }

    /// <summary>When the call reached the dispatcher (UTC).</summary>
    public DateTime Time { get; init; }

    /// <summary>Calling vCPU.</summary>
    public int Vcpu { get; init; }

    /// <summary>Call code.</summary>
    public int Code { get; init; }

    /// <summary>TLFS call name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Register-based call.</summary>
    public bool Fast { get; init; }

    /// <summary>XMM registers carried input or output.</summary>
    public bool Xmm { get; init; }

    /// <summary>Rep call.</summary>
    public bool Rep { get; init; }

    /// <summary>Rep count the guest passed.</summary>
    public int RepCount { get; init; }

    /// <summary>TLFS status name, or null after #UD.</summary>
    public string? Status { get; init; }

    /// <summary>HV_STATUS value, or null after #UD.</summary>
    public int? StatusCode { get; init; }

    /// <summary>Reps completed (null after #UD).</summary>
    public int? RepsCompleted { get; init; }

    /// <summary>Microseconds in the dispatcher.</summary>
    public double DurationUs { get; init; }

    /// <summary>Guest RIP of the call instruction.</summary>
    public ulong Rip { get; init; }

    /// <summary>Left to be continued.</summary>
    public bool Continued { get; init; }

    /// <summary>Answered with #UD.</summary>
    public bool Ud { get; init; }

    /// <summary>How far reading the caller got ("read", ...), or null when the trace has no callers.</summary>
    public string? CallerState { get; init; }

    /// <summary>The return address into the calling function, when read.</summary>
    public ulong? Caller { get; init; }

    /// <summary>Code bytes ending at <see cref="Caller"/>, when read.</summary>
    public byte[]? CallSite { get; init; }

    /// <summary>Target-set shape of a flush or IPI call ("mask", "sparse", "all"), else null.</summary>
    public string? Shape { get; init; }

    /// <summary>vCPUs the target set resolved to.</summary>
    public int? Targets { get; init; }

    /// <summary>Sparse banks passed.</summary>
    public int? Banks { get; init; }

    /// <summary>GVA ranges handed to the flush engine (list calls).</summary>
    public int? Ranges { get; init; }

    /// <summary>The engine flushed everything.</summary>
    public bool? FlushAll { get; init; }

    /// <summary>Flush strategy, when the engine served the call.</summary>
    public string? Strategy { get; init; }

    /// <summary>Microseconds in the flush engine.</summary>
    public double? FlushUs { get; init; }

    /// <summary>Targets kicked and awaited.</summary>
    public int? Kicked { get; init; }

    /// <summary>The status as the summary groups it: the TLFS name, or "#UD".</summary>
    public string StatusKey => Ud ? "#UD" : Status ?? "?";
}

namespace Vmm.HyperV.Hypercalls;

/// <summary>
/// What a handler learned about one traced call that the dispatcher cannot see: the target set of a flush or IPI
/// and how the flush went. One per vCPU thread; <see cref="Current"/> is set only while the dispatcher traces a
/// call on this thread, so untraced calls record nothing.
/// </summary>
internal sealed class HypercallTraceDetails
{
    [ThreadStatic]
    private static HypercallTraceDetails? t_current;

    [ThreadStatic]
    private static HypercallTraceDetails? t_own;

    /// <summary>The details of the call being traced on this thread, or null when it is not traced.</summary>
    public static HypercallTraceDetails? Current => t_current;

    public HypercallTargetShape TargetShape { get; private set; }

    public int TargetCount { get; private set; }

    public int BankCount { get; private set; }

    public int RangeCount { get; private set; }

    public bool FlushAll { get; private set; }

    public string? FlushStrategy { get; private set; }

    public double FlushMicroseconds { get; private set; }

    public int Kicked { get; private set; }

    /// <summary>Starts tracing a call on this thread (the first time allocates this thread's details).</summary>
    public static HypercallTraceDetails Begin()
    {
        HypercallTraceDetails details = t_own ??= new HypercallTraceDetails();
        details.TargetShape = HypercallTargetShape.None;
        details.TargetCount = 0;
        details.BankCount = 0;
        details.RangeCount = -1;
        details.FlushAll = false;
        details.FlushStrategy = null;
        details.FlushMicroseconds = 0;
        details.Kicked = 0;
        t_current = details;
        return details;
    }

    /// <summary>Ends tracing on this thread.</summary>
    public static void End() => t_current = null;

    /// <summary>Records the targets: <paramref name="shape"/>, how many vCPUs they resolve to, and the sparse banks given.</summary>
    public void SetTargets(HypercallTargetShape shape, int vcpus, int banks)
    {
        TargetShape = shape;
        TargetCount = vcpus;
        BankCount = banks;
    }

    /// <summary>Records the GVA ranges of a list call handed to the engine in one request.</summary>
    public void SetRanges(int count) => RangeCount = count;

    /// <summary>Records how the flush engine served the call (always a full flush: docs/tlb-flush.md#applying).</summary>
    public void SetFlush(string strategy, TimeSpan elapsed, int kicked)
    {
        FlushAll = true;
        FlushStrategy = strategy;
        FlushMicroseconds = elapsed.TotalMicroseconds;
        Kicked = kicked;
    }
}

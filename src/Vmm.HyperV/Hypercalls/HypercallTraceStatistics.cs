namespace Vmm.HyperV.Hypercalls;

/// <summary>What a <see cref="HypercallTraceWriter"/> wrote and dropped.</summary>
/// <param name="Written">Records written.</param>
/// <param name="WrittenBytes">Bytes written.</param>
/// <param name="DroppedQueueFull">Records dropped because the writer thread had not caught up (the queue was full).</param>
/// <param name="DroppedSizeLimit">Records dropped because they would have taken the file past its size limit.</param>
public readonly record struct HypercallTraceStatistics(long Written, long WrittenBytes, long DroppedQueueFull, long DroppedSizeLimit)
{
    /// <summary>All records dropped.</summary>
    public long Dropped => DroppedQueueFull + DroppedSizeLimit;

    /// <summary>One line for the end of a run: "hypercall trace: 1234 records (56789 bytes), 0 dropped".</summary>
    public override string ToString() =>
        Dropped == 0
            ? $"hypercall trace: {Written} records ({WrittenBytes} bytes), 0 dropped"
            : $"hypercall trace: {Written} records ({WrittenBytes} bytes), {Dropped} dropped ({DroppedSizeLimit} over the size limit, {DroppedQueueFull} with the queue full)";
}

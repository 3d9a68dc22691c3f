namespace Vmm.Host.Tracing;

/// <summary>What reading a trace gave: the entries, in file order, and the lines that could not be read.</summary>
public sealed record TraceReadResult(IReadOnlyList<HypercallTraceEntry> Entries, IReadOnlyList<TraceLineError> Errors);

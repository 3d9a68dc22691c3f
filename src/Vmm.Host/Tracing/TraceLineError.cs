namespace Vmm.Host.Tracing;

/// <summary>A trace line that could not be read: its 1-based number and why.</summary>
public sealed record TraceLineError(long Line, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"line {Line}: {Message}";
}

namespace Vmm.Core.Devices;

/// <summary>An interrupt line connected to nothing.</summary>
public sealed class NullInterruptLine : IInterruptLine
{
    /// <summary>The shared instance.</summary>
    public static NullInterruptLine Instance { get; } = new();

    /// <inheritdoc />
    public void Set(bool level)
    {
    }
}

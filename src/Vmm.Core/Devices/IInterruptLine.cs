namespace Vmm.Core.Devices;

/// <summary>A device's interrupt output, wired to the platform's interrupt controller.</summary>
public interface IInterruptLine
{
    /// <summary>Drives the line to <paramref name="level"/>.</summary>
    void Set(bool level);
}

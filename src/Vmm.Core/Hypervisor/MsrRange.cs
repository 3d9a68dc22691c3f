namespace Vmm.Core.Hypervisor;

/// <summary>An inclusive range of MSR indices.</summary>
/// <param name="First">First MSR index.</param>
/// <param name="Last">Last MSR index (inclusive).</param>
public readonly record struct MsrRange(uint First, uint Last)
{
    /// <summary>True when <paramref name="index"/> lies in the range.</summary>
    public bool Contains(uint index) => index >= First && index <= Last;
}

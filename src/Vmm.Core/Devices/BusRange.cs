namespace Vmm.Core.Devices;

/// <summary>A device's window on a bus: [<see cref="Base"/>, <see cref="Base"/> + <see cref="Length"/>).</summary>
/// <param name="Base">First bus address.</param>
/// <param name="Length">Size in bytes, non-zero.</param>
public readonly record struct BusRange(ulong Base, ulong Length)
{
    /// <summary>One past the last address (saturating at 2^64 - 1 is impossible: construction checks overflow).</summary>
    public ulong End => Base + Length;

    /// <summary>True when <paramref name="address"/> is inside the window.</summary>
    public bool Contains(ulong address) => address >= Base && address - Base < Length;

    /// <summary>True when the two windows share an address.</summary>
    public bool Overlaps(BusRange other) => Base < other.End && other.Base < End;
}

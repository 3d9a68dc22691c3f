using System.Runtime.InteropServices;

namespace Vmm.Core.Registers;

/// <summary>A segment register with its hidden (descriptor cache) part, SDM Vol. 3 §3.4.3.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SegmentRegister
{
    /// <summary>Base address.</summary>
    public ulong Base;
    /// <summary>Limit, in bytes (already scaled by the granularity bit).</summary>
    public uint Limit;
    /// <summary>Visible selector.</summary>
    public ushort Selector;
    /// <summary>Descriptor type field (bits 0-3 of the access byte).</summary>
    public byte Type;
    /// <summary>Present bit.</summary>
    public bool Present;
    /// <summary>Descriptor privilege level (0-3).</summary>
    public byte Dpl;
    /// <summary>Default operation size (D/B).</summary>
    public bool DefaultBig;
    /// <summary>Descriptor type: true for code/data, false for system segments.</summary>
    public bool NonSystem;
    /// <summary>64-bit code segment (L).</summary>
    public bool Long;
    /// <summary>Granularity (G).</summary>
    public bool Granularity;
    /// <summary>Available for system software (AVL).</summary>
    public bool Available;
    /// <summary>The segment is unusable (null selector loaded), as VMX reports it.</summary>
    public bool Unusable;
}

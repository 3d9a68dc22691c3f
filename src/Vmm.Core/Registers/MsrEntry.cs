using System.Runtime.InteropServices;

namespace Vmm.Core.Registers;

/// <summary>One model-specific register: its index and value.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct MsrEntry
{
    /// <summary>Creates the entry.</summary>
    public MsrEntry(uint index, ulong value = 0)
    {
        Index = index;
        Value = value;
    }

    /// <summary>The MSR number (ECX of RDMSR/WRMSR).</summary>
    public uint Index;

    /// <summary>The value (EDX:EAX).</summary>
    public ulong Value;
}

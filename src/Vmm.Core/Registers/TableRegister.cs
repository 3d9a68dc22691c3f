using System.Runtime.InteropServices;

namespace Vmm.Core.Registers;

/// <summary>A descriptor-table register (GDTR or IDTR), SDM Vol. 3 §2.4.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct TableRegister
{
    /// <summary>Linear base address of the table.</summary>
    public ulong Base;
    /// <summary>Table limit in bytes, minus one.</summary>
    public ushort Limit;
}

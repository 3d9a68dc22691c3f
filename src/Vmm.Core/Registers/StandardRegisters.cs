using System.Runtime.InteropServices;

namespace Vmm.Core.Registers;

/// <summary>The x86-64 general-purpose registers, RIP and RFLAGS, in a backend-neutral layout.</summary>
/// <remarks>Backends convert to and from their own layout at the edge (kvm_regs, WHV register arrays).</remarks>
[StructLayout(LayoutKind.Sequential)]
public struct StandardRegisters
{
    /// <summary>RAX.</summary>
    public ulong Rax;
    /// <summary>RBX.</summary>
    public ulong Rbx;
    /// <summary>RCX.</summary>
    public ulong Rcx;
    /// <summary>RDX.</summary>
    public ulong Rdx;
    /// <summary>RSI.</summary>
    public ulong Rsi;
    /// <summary>RDI.</summary>
    public ulong Rdi;
    /// <summary>RSP.</summary>
    public ulong Rsp;
    /// <summary>RBP.</summary>
    public ulong Rbp;
    /// <summary>R8.</summary>
    public ulong R8;
    /// <summary>R9.</summary>
    public ulong R9;
    /// <summary>R10.</summary>
    public ulong R10;
    /// <summary>R11.</summary>
    public ulong R11;
    /// <summary>R12.</summary>
    public ulong R12;
    /// <summary>R13.</summary>
    public ulong R13;
    /// <summary>R14.</summary>
    public ulong R14;
    /// <summary>R15.</summary>
    public ulong R15;
    /// <summary>RIP.</summary>
    public ulong Rip;
    /// <summary>RFLAGS. Bit 1 is reserved and reads as one (SDM Vol. 1 §3.4.3).</summary>
    public ulong Rflags;
}

using System.Runtime.InteropServices;

namespace Vmm.Core.Registers;

/// <summary>Segment, descriptor-table and control registers, EFER and the APIC base, backend-neutral.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SpecialRegisters
{
    /// <summary>CS.</summary>
    public SegmentRegister Cs;
    /// <summary>DS.</summary>
    public SegmentRegister Ds;
    /// <summary>ES.</summary>
    public SegmentRegister Es;
    /// <summary>FS.</summary>
    public SegmentRegister Fs;
    /// <summary>GS.</summary>
    public SegmentRegister Gs;
    /// <summary>SS.</summary>
    public SegmentRegister Ss;
    /// <summary>Task register.</summary>
    public SegmentRegister Tr;
    /// <summary>Local descriptor table register.</summary>
    public SegmentRegister Ldt;
    /// <summary>GDTR.</summary>
    public TableRegister Gdt;
    /// <summary>IDTR.</summary>
    public TableRegister Idt;
    /// <summary>CR0.</summary>
    public ulong Cr0;
    /// <summary>CR2 (page-fault linear address).</summary>
    public ulong Cr2;
    /// <summary>CR3.</summary>
    public ulong Cr3;
    /// <summary>CR4.</summary>
    public ulong Cr4;
    /// <summary>CR8 (task priority).</summary>
    public ulong Cr8;
    /// <summary>IA32_EFER.</summary>
    public ulong Efer;
    /// <summary>IA32_APIC_BASE.</summary>
    public ulong ApicBase;

    /// <summary>The current privilege level: CS.DPL in protected mode (SDM Vol. 3 §5.5, CPL is SS.DPL/CS.RPL).</summary>
    public readonly int Cpl => Cs.Selector & 3;

    /// <summary>True when CR0.PE is set.</summary>
    public readonly bool IsProtectedMode => (Cr0 & X86Constants.Cr0ProtectionEnable) != 0;
}

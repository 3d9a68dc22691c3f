namespace Vmm.Core.Registers;

/// <summary>Architectural bit and MSR numbers the VMM relies on, named as in the Intel SDM.</summary>
public static class X86Constants
{
    /// <summary>CR0.PE, protection enable (SDM Vol. 3 §2.5).</summary>
    public const ulong Cr0ProtectionEnable = 1UL << 0;
    /// <summary>CR0.MP, monitor coprocessor.</summary>
    public const ulong Cr0MonitorCoprocessor = 1UL << 1;
    /// <summary>CR0.ET, extension type (reads as one).</summary>
    public const ulong Cr0ExtensionType = 1UL << 4;
    /// <summary>CR0.NE, native FPU error reporting.</summary>
    public const ulong Cr0NumericError = 1UL << 5;
    /// <summary>CR0.WP, supervisor write protection.</summary>
    public const ulong Cr0WriteProtect = 1UL << 16;
    /// <summary>CR0.AM, alignment mask.</summary>
    public const ulong Cr0AlignmentMask = 1UL << 18;
    /// <summary>CR0.PG, paging.</summary>
    public const ulong Cr0Paging = 1UL << 31;

    /// <summary>CR4.PAE, physical address extension (required for long mode).</summary>
    public const ulong Cr4Pae = 1UL << 5;
    /// <summary>CR4.PGE, global pages. Toggling it flushes all TLB entries, global ones included (SDM Vol. 3 §4.10.4.1).</summary>
    public const ulong Cr4Pge = 1UL << 7;
    /// <summary>CR4.OSFXSR, FXSAVE/FXRSTOR and SSE enabled.</summary>
    public const ulong Cr4Osfxsr = 1UL << 9;
    /// <summary>CR4.OSXMMEXCPT, unmasked SIMD exceptions.</summary>
    public const ulong Cr4Osxmmexcpt = 1UL << 10;

    /// <summary>EFER.SCE, SYSCALL enable.</summary>
    public const ulong EferSyscallEnable = 1UL << 0;
    /// <summary>EFER.LME, long mode enable.</summary>
    public const ulong EferLongModeEnable = 1UL << 8;
    /// <summary>EFER.LMA, long mode active.</summary>
    public const ulong EferLongModeActive = 1UL << 10;
    /// <summary>EFER.NXE, execute-disable enable.</summary>
    public const ulong EferNoExecuteEnable = 1UL << 11;

    /// <summary>RFLAGS bit 1, always one.</summary>
    public const ulong RflagsReserved1 = 1UL << 1;
    /// <summary>RFLAGS.IF, interrupt enable.</summary>
    public const ulong RflagsInterruptEnable = 1UL << 9;
    /// <summary>RFLAGS.IOPL = 3: port I/O allowed at CPL3 without an I/O bitmap (SDM Vol. 1 §18.5.1).</summary>
    public const ulong RflagsIopl3 = 3UL << 12;

    /// <summary>IA32_APIC_BASE MSR.</summary>
    public const uint MsrApicBase = 0x1B;
    /// <summary>IA32_EFER MSR.</summary>
    public const uint MsrEfer = 0xC000_0080;

    /// <summary>#UD, invalid opcode.</summary>
    public const byte VectorInvalidOpcode = 6;
    /// <summary>#DF, double fault.</summary>
    public const byte VectorDoubleFault = 8;
    /// <summary>#GP, general protection.</summary>
    public const byte VectorGeneralProtection = 13;
    /// <summary>#PF, page fault.</summary>
    public const byte VectorPageFault = 14;
}

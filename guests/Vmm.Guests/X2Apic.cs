using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Vmm.Guests;

/// <summary>
/// The x2APIC registers (MSRs, SDM Vol. 3A §11.12.1, Table 11-6) and the CPL0 set-up shared by the guests whose
/// vCPUs take fixed interrupts: `flushbench` in ipi mode and `hvipi`.
/// </summary>
internal static class X2Apic
{
    /// <summary>x2APIC EOI register: write 0 to end the interrupt in service (SDM §11.12.1).</summary>
    public const uint MsrEoi = 0x80B;

    /// <summary>x2APIC interrupt command register: one 64-bit WRMSR sends an IPI (SDM §11.12.9).</summary>
    public const uint MsrIcr = 0x830;

    /// <summary>The spurious-interrupt vector programmed in the SVR.</summary>
    public const byte SpuriousVector = 0xFF;

    private const uint MsrApicBase = 0x1B;                                   // IA32_APIC_BASE
    private const uint ApicBaseEnableX2 = 0xC00;                             // EN (bit 11) | EXTD (bit 10)
    private const uint MsrSvr = 0x80F;
    private const uint MsrLvtTimer = 0x832;
    private const uint MsrLvtLint0 = 0x835;
    private const uint MsrLvtLint1 = 0x836;
    private const uint LvtMasked = 1u << 16;

    /// <summary>
    /// x2APIC mode and APIC software enable, at CPL0. Checks CPUID.01H:ECX.x2APIC[21] first (KVM offers it with its
    /// in-kernel LAPIC and refuses EXTD without it) and, without it, prints <paramref name="missing"/> and ends the
    /// VM with status 1. xAPIC → x2APIC is setting EXTD with EN already set, keeping the base (SDM Vol. 3A §11.12.5,
    /// Figure 11-27); SVR bit 8 software-enables the APIC, whose reset state is disabled and which then accepts no
    /// fixed interrupt (§11.4.7.2). The LVTs of the timer, LINT0 and LINT1 are masked explicitly: reset masks them
    /// (§11.4.7.1), but KVM's reset leaves LINT0 unmasked as ExtINT while the quirk KVM_X86_QUIRK_LINT0_REENABLED is
    /// on (lapic.c kvm_lapic_reset), and no interrupt but the IPIs may reach the guests' rounds. Clobbers RAX, RBX,
    /// RCX, RDX.
    /// </summary>
    public static void EmitEnable(GuestCodeBuilder g, string missing)
    {
        Assembler a = g.Asm;
        Label has = a.CreateLabel();
        a.mov(eax, 1);
        a.cpuid();
        a.bt(ecx, 21);
        a.jc(has);
        g.Print(g.String(missing));
        g.Exit(1);
        a.Label(ref has);
        a.mov(ecx, MsrApicBase);
        a.rdmsr();
        a.or(eax, ApicBaseEnableX2);
        a.wrmsr();
        a.mov(ecx, MsrSvr);
        a.mov(eax, 0x100u | SpuriousVector);
        a.xor(edx, edx);
        a.wrmsr();
        a.mov(eax, LvtMasked);
        foreach (uint lvt in (ReadOnlySpan<uint>)[MsrLvtTimer, MsrLvtLint0, MsrLvtLint1])
        {
            a.mov(ecx, lvt);
            a.wrmsr();
        }
    }
}

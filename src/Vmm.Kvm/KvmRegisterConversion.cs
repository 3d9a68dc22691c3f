using Vmm.Core.Registers;
using Vmm.Kvm.Interop.Types;

namespace Vmm.Kvm;

/// <summary>Conversions between the neutral register model and the KVM UAPI structs (round-trip tested).</summary>
internal static class KvmRegisterConversion
{
    public static void ToNeutral(in kvm_regs k, out StandardRegisters r)
    {
        r = new StandardRegisters
        {
            Rax = k.rax, Rbx = k.rbx, Rcx = k.rcx, Rdx = k.rdx,
            Rsi = k.rsi, Rdi = k.rdi, Rsp = k.rsp, Rbp = k.rbp,
            R8 = k.r8, R9 = k.r9, R10 = k.r10, R11 = k.r11,
            R12 = k.r12, R13 = k.r13, R14 = k.r14, R15 = k.r15,
            Rip = k.rip, Rflags = k.rflags,
        };
    }

    public static void FromNeutral(in StandardRegisters r, out kvm_regs k)
    {
        k = new kvm_regs
        {
            rax = r.Rax, rbx = r.Rbx, rcx = r.Rcx, rdx = r.Rdx,
            rsi = r.Rsi, rdi = r.Rdi, rsp = r.Rsp, rbp = r.Rbp,
            r8 = r.R8, r9 = r.R9, r10 = r.R10, r11 = r.R11,
            r12 = r.R12, r13 = r.R13, r14 = r.R14, r15 = r.R15,
            rip = r.Rip, rflags = r.Rflags,
        };
    }

    public static SegmentRegister ToNeutral(in kvm_segment s) => new()
    {
        Base = s.@base,
        Limit = s.limit,
        Selector = s.selector,
        Type = s.type,
        Present = s.present != 0,
        Dpl = s.dpl,
        DefaultBig = s.db != 0,
        NonSystem = s.s != 0,
        Long = s.l != 0,
        Granularity = s.g != 0,
        Available = s.avl != 0,
        Unusable = s.unusable != 0,
    };

    public static kvm_segment FromNeutral(in SegmentRegister s) => new()
    {
        @base = s.Base,
        limit = s.Limit,
        selector = s.Selector,
        type = s.Type,
        present = s.Present ? (byte)1 : (byte)0,
        dpl = s.Dpl,
        db = s.DefaultBig ? (byte)1 : (byte)0,
        s = s.NonSystem ? (byte)1 : (byte)0,
        l = s.Long ? (byte)1 : (byte)0,
        g = s.Granularity ? (byte)1 : (byte)0,
        avl = s.Available ? (byte)1 : (byte)0,
        unusable = s.Unusable ? (byte)1 : (byte)0,
    };

    public static void ToNeutral(in kvm_sregs k, out SpecialRegisters r)
    {
        r = new SpecialRegisters
        {
            Cs = ToNeutral(k.cs), Ds = ToNeutral(k.ds), Es = ToNeutral(k.es),
            Fs = ToNeutral(k.fs), Gs = ToNeutral(k.gs), Ss = ToNeutral(k.ss),
            Tr = ToNeutral(k.tr), Ldt = ToNeutral(k.ldt),
            Gdt = new TableRegister { Base = k.gdt.@base, Limit = k.gdt.limit },
            Idt = new TableRegister { Base = k.idt.@base, Limit = k.idt.limit },
            Cr0 = k.cr0, Cr2 = k.cr2, Cr3 = k.cr3, Cr4 = k.cr4, Cr8 = k.cr8,
            Efer = k.efer, ApicBase = k.apic_base,
        };
    }

    /// <summary>
    /// Writes the neutral special registers over <paramref name="k"/>, keeping its interrupt_bitmap (pending
    /// external interrupts are not part of the neutral model and must survive a read-modify-write).
    /// </summary>
    public static void FromNeutral(in SpecialRegisters r, ref kvm_sregs k)
    {
        k.cs = FromNeutral(r.Cs);
        k.ds = FromNeutral(r.Ds);
        k.es = FromNeutral(r.Es);
        k.fs = FromNeutral(r.Fs);
        k.gs = FromNeutral(r.Gs);
        k.ss = FromNeutral(r.Ss);
        k.tr = FromNeutral(r.Tr);
        k.ldt = FromNeutral(r.Ldt);
        k.gdt = new kvm_dtable { @base = r.Gdt.Base, limit = r.Gdt.Limit };
        k.idt = new kvm_dtable { @base = r.Idt.Base, limit = r.Idt.Limit };
        k.cr0 = r.Cr0;
        k.cr2 = r.Cr2;
        k.cr3 = r.Cr3;
        k.cr4 = r.Cr4;
        k.cr8 = r.Cr8;
        k.efer = r.Efer;
        k.apic_base = r.ApicBase;
    }
}

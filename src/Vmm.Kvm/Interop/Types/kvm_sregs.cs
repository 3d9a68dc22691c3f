using System.Runtime.InteropServices;

namespace Vmm.Kvm.Interop.Types;

/// <summary>struct kvm_sregs (x86).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct kvm_sregs
{
    public kvm_segment cs, ds, es, fs, gs, ss;
    public kvm_segment tr, ldt;
    public kvm_dtable gdt, idt;
    public ulong cr0, cr2, cr3, cr4, cr8;
    public ulong efer;
    public ulong apic_base;

    /// <summary>KVM_NR_INTERRUPTS (256) bits of pending external interrupts.</summary>
    public fixed ulong interrupt_bitmap[4];
}

using System.Runtime.InteropServices;

namespace Vmm.Kvm.Interop.Types;

/// <summary>struct kvm_irq_level (KVM_IRQ_LINE).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct kvm_irq_level
{
    public uint irq;
    public uint level;
}

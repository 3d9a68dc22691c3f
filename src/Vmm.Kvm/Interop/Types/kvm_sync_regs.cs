using System.Runtime.InteropServices;

namespace Vmm.Kvm.Interop.Types;

/// <summary>struct kvm_sync_regs (x86): registers KVM copies into kvm_run on exit (KVM_CAP_SYNC_REGS).</summary>
[StructLayout(LayoutKind.Explicit, Size = 520)]
internal struct kvm_sync_regs
{
    [FieldOffset(0)] public kvm_regs regs;
    [FieldOffset(144)] public kvm_sregs sregs;
    [FieldOffset(456)] public kvm_vcpu_events events;
}

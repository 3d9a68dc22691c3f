using System.Runtime.InteropServices;

namespace Vmm.Kvm.Interop.Types;

/// <summary>struct kvm_msrs header; nmsrs kvm_msr_entry entries follow it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct kvm_msrs
{
    public uint nmsrs;
    public uint pad;
}

using System.Runtime.InteropServices;

namespace Vmm.Kvm.Interop.Types;

/// <summary>struct kvm_msi (KVM_SIGNAL_MSI).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct kvm_msi
{
    public uint address_lo;
    public uint address_hi;
    public uint data;
    public uint flags;
    public uint devid;
    public fixed byte pad[12];
}

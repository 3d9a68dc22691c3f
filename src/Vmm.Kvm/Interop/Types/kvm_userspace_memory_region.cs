using System.Runtime.InteropServices;

namespace Vmm.Kvm.Interop.Types;

/// <summary>struct kvm_userspace_memory_region (KVM_SET_USER_MEMORY_REGION).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct kvm_userspace_memory_region
{
    public uint slot;
    public uint flags;
    public ulong guest_phys_addr;
    public ulong memory_size;
    public ulong userspace_addr;
}

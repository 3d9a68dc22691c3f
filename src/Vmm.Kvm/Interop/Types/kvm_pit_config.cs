using System.Runtime.InteropServices;

namespace Vmm.Kvm.Interop.Types;

/// <summary>struct kvm_pit_config (KVM_CREATE_PIT2).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct kvm_pit_config
{
    public uint flags;
    public fixed uint pad[15];
}

using System.Runtime.InteropServices;

namespace Vmm.Kvm.Interop.Types;

/// <summary>struct kvm_enable_cap.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct kvm_enable_cap
{
    public uint cap;
    public uint flags;
    public fixed ulong args[4];
    public fixed byte pad[64];
}

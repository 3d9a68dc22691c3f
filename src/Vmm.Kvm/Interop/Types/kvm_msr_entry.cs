using System.Runtime.InteropServices;

namespace Vmm.Kvm.Interop.Types;

/// <summary>struct kvm_msr_entry.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct kvm_msr_entry
{
    public uint index;
    public uint reserved;
    public ulong data;
}

using System.Runtime.InteropServices;

namespace Vmm.Kvm.Interop.Types;

/// <summary>struct kvm_dtable.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct kvm_dtable
{
    public ulong @base;
    public ushort limit;
    public ushort padding0, padding1, padding2;
}

using System.Runtime.InteropServices;

namespace Vmm.Kvm.Interop.Types;

/// <summary>struct kvm_segment.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct kvm_segment
{
    public ulong @base;
    public uint limit;
    public ushort selector;
    public byte type;
    public byte present, dpl, db, s, l, g, avl;
    public byte unusable;
    public byte padding;
}

using System.Runtime.InteropServices;

namespace Vmm.Kvm.Interop.Types;

/// <summary>struct kvm_fpu (x86): legacy FPU state plus XMM0-XMM15 at offset 152 (not FXSAVE's 160).</summary>
[StructLayout(LayoutKind.Explicit, Size = 416)]
internal unsafe struct kvm_fpu
{
    [FieldOffset(0)] public fixed byte fpr[128];
    [FieldOffset(128)] public ushort fcw;
    [FieldOffset(130)] public ushort fsw;
    [FieldOffset(132)] public byte ftwx;
    [FieldOffset(134)] public ushort last_opcode;
    [FieldOffset(136)] public ulong last_ip;
    [FieldOffset(144)] public ulong last_dp;
    [FieldOffset(152)] public fixed byte xmm[256];
    [FieldOffset(408)] public uint mxcsr;
}

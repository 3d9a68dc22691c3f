using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>The last x87 data pointer and MXCSR with its mask (WinHvPlatformDefs.h lines 904-926).</summary>
        [StructLayout(LayoutKind.Explicit, Size = 16)]
        internal struct WHV_X64_XMM_CONTROL_STATUS_REGISTER
        {
            [FieldOffset(0)]
            internal ulong LastFpRdp;

            [FieldOffset(0)]
            internal uint LastFpDp;

            [FieldOffset(4)]
            internal ushort LastFpDs;

            [FieldOffset(6)]
            internal ushort Reserved;

            [FieldOffset(8)]
            internal uint XmmStatusControl;

            [FieldOffset(12)]
            internal uint XmmStatusControlMask;

            [FieldOffset(0)]
            internal WHV_UINT128 AsUINT128;
        }
    }
}

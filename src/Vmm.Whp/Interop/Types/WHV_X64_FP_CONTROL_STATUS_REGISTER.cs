using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>The x87 control, status, tag and last-instruction state (WinHvPlatformDefs.h lines 875-902).</summary>
        /// <remarks>The last-instruction pointer is a union: RIP in long mode, EIP:CS in 32-bit mode.</remarks>
        [StructLayout(LayoutKind.Explicit, Size = 16)]
        internal struct WHV_X64_FP_CONTROL_STATUS_REGISTER
        {
            [FieldOffset(0)]
            internal ushort FpControl;

            [FieldOffset(2)]
            internal ushort FpStatus;

            [FieldOffset(4)]
            internal byte FpTag;

            [FieldOffset(5)]
            internal byte Reserved;

            [FieldOffset(6)]
            internal ushort LastFpOp;

            [FieldOffset(8)]
            internal ulong LastFpRip;

            [FieldOffset(8)]
            internal uint LastFpEip;

            [FieldOffset(12)]
            internal ushort LastFpCs;

            [FieldOffset(14)]
            internal ushort Reserved2;

            [FieldOffset(0)]
            internal WHV_UINT128 AsUINT128;
        }
    }
}

using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Value of WHvRegisterPendingInterruption (WinHvPlatformDefs.h lines 980-997).</summary>
        /// <remarks>
        /// Low dword: InterruptionPending 0, InterruptionType 3:1, DeliverErrorCode 4, InstructionLength 8:5,
        /// NestedEvent 9, Reserved 15:10, InterruptionVector 31:16. High dword: ErrorCode.
        /// </remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_X64_PENDING_INTERRUPTION_REGISTER
        {
            internal ulong AsUINT64;

            internal bool InterruptionPending
            {
                readonly get => BitField.Get(AsUINT64, 0);
                set => AsUINT64 = BitField.Set(AsUINT64, 0, value);
            }

            internal WHV_X64_PENDING_INTERRUPTION_TYPE InterruptionType
            {
                readonly get => (WHV_X64_PENDING_INTERRUPTION_TYPE)BitField.Get(AsUINT64, 1, 3);
                set => AsUINT64 = BitField.Set(AsUINT64, 1, 3, (ulong)value);
            }

            internal bool DeliverErrorCode
            {
                readonly get => BitField.Get(AsUINT64, 4);
                set => AsUINT64 = BitField.Set(AsUINT64, 4, value);
            }

            internal byte InstructionLength
            {
                readonly get => (byte)BitField.Get(AsUINT64, 5, 4);
                set => AsUINT64 = BitField.Set(AsUINT64, 5, 4, value);
            }

            internal bool NestedEvent
            {
                readonly get => BitField.Get(AsUINT64, 9);
                set => AsUINT64 = BitField.Set(AsUINT64, 9, value);
            }

            internal ushort InterruptionVector
            {
                readonly get => (ushort)BitField.Get(AsUINT64, 16, 16);
                set => AsUINT64 = BitField.Set(AsUINT64, 16, 16, value);
            }

            internal uint ErrorCode
            {
                readonly get => (uint)(AsUINT64 >> 32);
                set => AsUINT64 = (AsUINT64 & 0xFFFF_FFFFUL) | ((ulong)value << 32);
            }
        }
    }
}

using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>WHvRegisterPendingEvent in its exception form (WinHvPlatformDefs.h lines 1007-1025).</summary>
        /// <remarks>
        /// <see cref="EventHeader"/> holds EventPending 0, EventType 3:1 (must be
        /// WHvX64PendingEventException), Reserved0 7:4, DeliverErrorCode 8, Reserved1 15:9, Vector 31:16.
        /// </remarks>
        [StructLayout(LayoutKind.Explicit, Size = 16)]
        internal struct WHV_X64_PENDING_EXCEPTION_EVENT
        {
            [FieldOffset(0)]
            internal uint EventHeader;

            [FieldOffset(4)]
            internal uint ErrorCode;

            [FieldOffset(8)]
            internal ulong ExceptionParameter;

            [FieldOffset(0)]
            internal WHV_UINT128 AsUINT128;

            internal bool EventPending
            {
                readonly get => BitField.Get(EventHeader, 0);
                set => EventHeader = (uint)BitField.Set(EventHeader, 0, value);
            }

            internal WHV_X64_PENDING_EVENT_TYPE EventType
            {
                readonly get => (WHV_X64_PENDING_EVENT_TYPE)BitField.Get(EventHeader, 1, 3);
                set => EventHeader = (uint)BitField.Set(EventHeader, 1, 3, (ulong)value);
            }

            internal bool DeliverErrorCode
            {
                readonly get => BitField.Get(EventHeader, 8);
                set => EventHeader = (uint)BitField.Set(EventHeader, 8, value);
            }

            internal ushort Vector
            {
                readonly get => (ushort)BitField.Get(EventHeader, 16, 16);
                set => EventHeader = (uint)BitField.Set(EventHeader, 16, 16, value);
            }
        }
    }
}

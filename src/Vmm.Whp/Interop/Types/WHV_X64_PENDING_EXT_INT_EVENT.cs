using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>WHvRegisterPendingEvent in its external-interrupt form (WinHvPlatformDefs.h lines 1027-1043).</summary>
        /// <remarks>
        /// <see cref="EventHeader"/> holds EventPending 0, EventType 3:1 (must be WHvX64PendingEventExtInt),
        /// Reserved0 7:4, Vector 15:8, Reserved1 63:16. This is how a user-mode interrupt controller injects
        /// a vector with the hypervisor's APIC disabled.
        /// </remarks>
        [StructLayout(LayoutKind.Explicit, Size = 16)]
        internal struct WHV_X64_PENDING_EXT_INT_EVENT
        {
            [FieldOffset(0)]
            internal ulong EventHeader;

            [FieldOffset(8)]
            internal ulong Reserved2;

            [FieldOffset(0)]
            internal WHV_UINT128 AsUINT128;

            internal bool EventPending
            {
                readonly get => BitField.Get(EventHeader, 0);
                set => EventHeader = BitField.Set(EventHeader, 0, value);
            }

            internal WHV_X64_PENDING_EVENT_TYPE EventType
            {
                readonly get => (WHV_X64_PENDING_EVENT_TYPE)BitField.Get(EventHeader, 1, 3);
                set => EventHeader = BitField.Set(EventHeader, 1, 3, (ulong)value);
            }

            internal byte Vector
            {
                readonly get => (byte)BitField.Get(EventHeader, 8, 8);
                set => EventHeader = BitField.Set(EventHeader, 8, 8, value);
            }
        }
    }
}

using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>First of the three pending-event registers that describe a nested VMX VM exit (WinHvPlatformDefs.h lines 1105-1118).</summary>
        /// <remarks><see cref="EventHeader"/>: EventPending 0, EventType 4:1, Reserved0 31:5.</remarks>
        [StructLayout(LayoutKind.Explicit, Size = 16)]
        internal struct WHV_X64_PENDING_VMX_NESTED_EXIT_EVENT0
        {
            [FieldOffset(0)]
            internal uint EventHeader;

            [FieldOffset(4)]
            internal uint ExitReason;

            [FieldOffset(8)]
            internal ulong ExitQualification;

            [FieldOffset(0)]
            internal WHV_UINT128 AsUINT128;

            internal bool EventPending
            {
                readonly get => BitField.Get(EventHeader, 0);
                set => EventHeader = (uint)BitField.Set(EventHeader, 0, value);
            }

            internal WHV_X64_PENDING_EVENT_TYPE EventType
            {
                readonly get => (WHV_X64_PENDING_EVENT_TYPE)BitField.Get(EventHeader, 1, 4);
                set => EventHeader = (uint)BitField.Set(EventHeader, 1, 4, (ulong)value);
            }
        }
    }
}

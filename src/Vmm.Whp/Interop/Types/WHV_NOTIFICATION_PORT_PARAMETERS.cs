using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Parameters of WHvCreateNotificationPort (WinHvPlatformDefs.h lines 4296-4314).</summary>
        /// <remarks>The union at offset 8 is selected by <see cref="NotificationPortType"/>.</remarks>
        [StructLayout(LayoutKind.Explicit, Size = 32)]
        internal struct WHV_NOTIFICATION_PORT_PARAMETERS
        {
            [FieldOffset(0)]
            internal WHV_NOTIFICATION_PORT_TYPE NotificationPortType;

            [FieldOffset(4)]
            internal ushort Reserved;

            [FieldOffset(6)]
            internal byte Reserved1;

            [FieldOffset(7)]
            internal byte ConnectionVtl;

            [FieldOffset(8)]
            internal WHV_DOORBELL_MATCH_DATA Doorbell;

            [FieldOffset(8)]
            internal EventParameters Event;

            /// <summary>The header's anonymous <c>Event</c> struct.</summary>
            [StructLayout(LayoutKind.Sequential)]
            internal struct EventParameters
            {
                internal uint ConnectionId;
            }
        }
    }
}

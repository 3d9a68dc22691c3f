using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Value of WHvX64RegisterDeliverabilityNotifications (WinHvPlatformDefs.h lines 1198-1216, x64 layout).</summary>
        /// <remarks>
        /// NmiNotification 0, InterruptNotification 1, InterruptPriority 5:2, Reserved 47:6, Sint 63:48.
        /// Setting a notification bit asks for an X64InterruptWindow exit once that kind of event could be
        /// delivered.
        /// </remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_DELIVERABILITY_NOTIFICATIONS_REGISTER
        {
            internal ulong AsUINT64;

            internal bool NmiNotification
            {
                readonly get => BitField.Get(AsUINT64, 0);
                set => AsUINT64 = BitField.Set(AsUINT64, 0, value);
            }

            internal bool InterruptNotification
            {
                readonly get => BitField.Get(AsUINT64, 1);
                set => AsUINT64 = BitField.Set(AsUINT64, 1, value);
            }

            internal byte InterruptPriority
            {
                readonly get => (byte)BitField.Get(AsUINT64, 2, 4);
                set => AsUINT64 = BitField.Set(AsUINT64, 2, 4, value);
            }

            internal ushort Sint
            {
                readonly get => (ushort)BitField.Get(AsUINT64, 48, 16);
                set => AsUINT64 = BitField.Set(AsUINT64, 48, 16, value);
            }
        }
    }
}

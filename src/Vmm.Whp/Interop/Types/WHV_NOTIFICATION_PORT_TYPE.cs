namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Kind of notification port (WinHvPlatformDefs.h lines 4290-4294).</summary>
        internal enum WHV_NOTIFICATION_PORT_TYPE
        {
            WHvNotificationPortTypeEvent = 2,
            WHvNotificationPortTypeDoorbell = 4,
        }
    }
}

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>The EventType field of WHvRegisterPendingEvent (WinHvPlatformDefs.h lines 999-1005).</summary>
        internal enum WHV_X64_PENDING_EVENT_TYPE
        {
            WHvX64PendingEventException = 0,
            WHvX64PendingEventExtInt = 5,
            WHvX64PendingEventSvmNestedExit = 7,
            WHvX64PendingEventVmxNestedExit = 8,
        }
    }
}

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Kind of trigger for WHvCreateTrigger (WinHvPlatformDefs.h lines 4235-4242, x64 members).</summary>
        internal enum WHV_TRIGGER_TYPE
        {
            WHvTriggerTypeInterrupt = 0,
            WHvTriggerTypeSynicEvent = 1,
            WHvTriggerTypeDeviceInterrupt = 2,
        }
    }
}

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>State blocks of WHvGet/SetVirtualProcessorState (WinHvPlatformDefs.h lines 3696-3705, x64).</summary>
        internal enum WHV_VIRTUAL_PROCESSOR_STATE_TYPE
        {
            WHvVirtualProcessorStateTypeSynicMessagePage = 0x00000000,
            WHvVirtualProcessorStateTypeSynicEventFlagPage = 0x00000001,
            WHvVirtualProcessorStateTypeSynicTimerState = 0x00000002,

            WHvVirtualProcessorStateTypeInterruptControllerState2 = 0x00001000,
            WHvVirtualProcessorStateTypeXsaveState = 0x00001001,
            WHvVirtualProcessorStateTypeNestedState = 0x00001002,
        }
    }
}

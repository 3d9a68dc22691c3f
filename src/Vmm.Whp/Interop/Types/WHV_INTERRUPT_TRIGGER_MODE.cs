namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>APIC trigger mode (WinHvPlatformDefs.h lines 3487-3491).</summary>
        internal enum WHV_INTERRUPT_TRIGGER_MODE
        {
            WHvX64InterruptTriggerModeEdge = 0,
            WHvX64InterruptTriggerModeLevel = 1,
        }
    }
}

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>APIC destination mode (WinHvPlatformDefs.h lines 3481-3485).</summary>
        internal enum WHV_INTERRUPT_DESTINATION_MODE
        {
            WHvX64InterruptDestinationModePhysical = 0,
            WHvX64InterruptDestinationModeLogical = 1,
        }
    }
}

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Value of WHvPartitionPropertyCodeLocalApicEmulationMode (WinHvPlatformDefs.h lines 2733-2738).</summary>
        internal enum WHV_X64_LOCAL_APIC_EMULATION_MODE
        {
            /// <summary>No APIC in the hypervisor: the VMM injects interrupts through the pending-event registers.</summary>
            WHvX64LocalApicEmulationModeNone = 0,
            WHvX64LocalApicEmulationModeXApic = 1,
            WHvX64LocalApicEmulationModeX2Apic = 2,
        }
    }
}

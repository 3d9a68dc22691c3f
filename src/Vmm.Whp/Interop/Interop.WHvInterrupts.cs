using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Sends an interrupt through the hypervisor's local APIC emulation (WinHvPlatform.h line 254).</summary>
        /// <remarks>
        /// Requires LocalApicEmulationMode XApic or X2Apic; pass <c>sizeof(WHV_INTERRUPT_CONTROL)</c> (16) as
        /// <paramref name="interruptControlSize"/>. With the APIC in user mode, inject through
        /// WHvRegisterPendingInterruption / WHvRegisterPendingEvent instead.
        /// </remarks>
        [LibraryImport(Libraries.WinHvPlatform)]
        [SupportedOSPlatform("windows")]
        internal static unsafe partial int WHvRequestInterrupt(
            SafeWhvPartitionHandle partition,
            WHV_INTERRUPT_CONTROL* interrupt,
            uint interruptControlSize);
    }
}

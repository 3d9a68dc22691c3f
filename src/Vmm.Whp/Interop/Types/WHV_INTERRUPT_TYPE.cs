namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Delivery mode of WHvRequestInterrupt (WinHvPlatformDefs.h lines 3471-3479); the values are the APIC ICR delivery modes.</summary>
        internal enum WHV_INTERRUPT_TYPE
        {
            WHvX64InterruptTypeFixed = 0,
            WHvX64InterruptTypeLowestPriority = 1,
            WHvX64InterruptTypeNmi = 4,
            WHvX64InterruptTypeInit = 5,
            WHvX64InterruptTypeSipi = 6,
            WHvX64InterruptTypeLocalInt1 = 9,
        }
    }
}

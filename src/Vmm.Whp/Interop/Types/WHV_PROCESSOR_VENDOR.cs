namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Result of WHvCapabilityCodeProcessorVendor (WinHvPlatformDefs.h lines 1531-1539).</summary>
        internal enum WHV_PROCESSOR_VENDOR
        {
            WHvProcessorVendorAmd = 0x0000,
            WHvProcessorVendorIntel = 0x0001,
            WHvProcessorVendorHygon = 0x0002,
            WHvProcessorVendorArm = 0x0010,
        }
    }
}

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Codes for WHvGetCapability (WinHvPlatformDefs.h lines 1390-1444, x64 members).</summary>
        /// <remarks>Capability codes start at 0 (HypervisorPresent); partition property codes start at 1. The two enums are unrelated.</remarks>
        internal enum WHV_CAPABILITY_CODE
        {
            // Capabilities of the API implementation.
            WHvCapabilityCodeHypervisorPresent = 0x00000000,
            WHvCapabilityCodeFeatures = 0x00000001,
            WHvCapabilityCodeExtendedVmExits = 0x00000002,
            WHvCapabilityCodeExceptionExitBitmap = 0x00000003,
            WHvCapabilityCodeX64MsrExitBitmap = 0x00000004,
            WHvCapabilityCodeGpaRangePopulateFlags = 0x00000005,
            WHvCapabilityCodeSchedulerFeatures = 0x00000006,

            // Capabilities of the host processor.
            WHvCapabilityCodeProcessorVendor = 0x00001000,
            WHvCapabilityCodeProcessorFeatures = 0x00001001,
            WHvCapabilityCodeProcessorClFlushSize = 0x00001002,
            WHvCapabilityCodeProcessorXsaveFeatures = 0x00001003,
            WHvCapabilityCodeProcessorClockFrequency = 0x00001004,
            WHvCapabilityCodeInterruptClockFrequency = 0x00001005,
            WHvCapabilityCodeProcessorFeaturesBanks = 0x00001006,
            WHvCapabilityCodeProcessorFrequencyCap = 0x00001007,
            WHvCapabilityCodeSyntheticProcessorFeaturesBanks = 0x00001008,
            WHvCapabilityCodeProcessorPerfmonFeatures = 0x00001009,
            WHvCapabilityCodePhysicalAddressWidth = 0x0000100A,

            // VMX capability MSR values offered to a nested hypervisor.
            WHvCapabilityCodeVmxBasic = 0x00002000,
            WHvCapabilityCodeVmxPinbasedCtls = 0x00002001,
            WHvCapabilityCodeVmxProcbasedCtls = 0x00002002,
            WHvCapabilityCodeVmxExitCtls = 0x00002003,
            WHvCapabilityCodeVmxEntryCtls = 0x00002004,
            WHvCapabilityCodeVmxMisc = 0x00002005,
            WHvCapabilityCodeVmxCr0Fixed0 = 0x00002006,
            WHvCapabilityCodeVmxCr0Fixed1 = 0x00002007,
            WHvCapabilityCodeVmxCr4Fixed0 = 0x00002008,
            WHvCapabilityCodeVmxCr4Fixed1 = 0x00002009,
            WHvCapabilityCodeVmxVmcsEnum = 0x0000200A,
            WHvCapabilityCodeVmxProcbasedCtls2 = 0x0000200B,
            WHvCapabilityCodeVmxEptVpidCap = 0x0000200C,
            WHvCapabilityCodeVmxTruePinbasedCtls = 0x0000200D,
            WHvCapabilityCodeVmxTrueProcbasedCtls = 0x0000200E,
            WHvCapabilityCodeVmxTrueExitCtls = 0x0000200F,
            WHvCapabilityCodeVmxTrueEntryCtls = 0x00002010,
        }
    }
}

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Codes for WHvGet/SetPartitionProperty (WinHvPlatformDefs.h lines 2231-2278, x64 members).</summary>
        internal enum WHV_PARTITION_PROPERTY_CODE
        {
            WHvPartitionPropertyCodeExtendedVmExits = 0x00000001,
            WHvPartitionPropertyCodeExceptionExitBitmap = 0x00000002,
            WHvPartitionPropertyCodeSeparateSecurityDomain = 0x00000003,
            WHvPartitionPropertyCodeNestedVirtualization = 0x00000004,
            WHvPartitionPropertyCodeX64MsrExitBitmap = 0x00000005,
            WHvPartitionPropertyCodePrimaryNumaNode = 0x00000006,
            WHvPartitionPropertyCodeCpuReserve = 0x00000007,
            WHvPartitionPropertyCodeCpuCap = 0x00000008,
            WHvPartitionPropertyCodeCpuWeight = 0x00000009,
            WHvPartitionPropertyCodeCpuGroupId = 0x0000000A,
            WHvPartitionPropertyCodeProcessorFrequencyCap = 0x0000000B,
            WHvPartitionPropertyCodeAllowDeviceAssignment = 0x0000000C,
            WHvPartitionPropertyCodeDisableSmt = 0x0000000D,

            WHvPartitionPropertyCodeProcessorFeatures = 0x00001001,
            WHvPartitionPropertyCodeProcessorClFlushSize = 0x00001002,
            WHvPartitionPropertyCodeCpuidExitList = 0x00001003,
            WHvPartitionPropertyCodeCpuidResultList = 0x00001004,
            WHvPartitionPropertyCodeLocalApicEmulationMode = 0x00001005,
            WHvPartitionPropertyCodeProcessorXsaveFeatures = 0x00001006,
            WHvPartitionPropertyCodeProcessorClockFrequency = 0x00001007,
            WHvPartitionPropertyCodeInterruptClockFrequency = 0x00001008,
            WHvPartitionPropertyCodeApicRemoteReadSupport = 0x00001009,
            WHvPartitionPropertyCodeProcessorFeaturesBanks = 0x0000100A,
            WHvPartitionPropertyCodeReferenceTime = 0x0000100B,
            WHvPartitionPropertyCodeSyntheticProcessorFeaturesBanks = 0x0000100C,
            WHvPartitionPropertyCodeCpuidResultList2 = 0x0000100D,
            WHvPartitionPropertyCodeProcessorPerfmonFeatures = 0x0000100E,
            WHvPartitionPropertyCodeMsrActionList = 0x0000100F,
            WHvPartitionPropertyCodeUnimplementedMsrAction = 0x00001010,
            WHvPartitionPropertyCodePhysicalAddressWidth = 0x00001011,

            WHvPartitionPropertyCodeProcessorCount = 0x00001FFF,
        }
    }
}

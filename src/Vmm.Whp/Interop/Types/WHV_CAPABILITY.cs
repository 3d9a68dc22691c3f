using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Output buffer of WHvGetCapability: a union over every result type (WinHvPlatformDefs.h lines 2607-2633).</summary>
        /// <remarks>
        /// The header asserts no size; its largest member, WHV_PROCESSOR_FEATURES_BANKS, makes it 24 bytes.
        /// Pass <c>sizeof(WHV_CAPABILITY)</c> or the exact size of the member being queried.
        /// </remarks>
        [StructLayout(LayoutKind.Explicit, Size = 24)]
        internal struct WHV_CAPABILITY
        {
            /// <summary>A Win32 BOOL.</summary>
            [FieldOffset(0)]
            internal int HypervisorPresent;

            [FieldOffset(0)]
            internal WHV_CAPABILITY_FEATURES Features;

            [FieldOffset(0)]
            internal WHV_EXTENDED_VM_EXITS ExtendedVmExits;

            [FieldOffset(0)]
            internal WHV_PROCESSOR_VENDOR ProcessorVendor;

            [FieldOffset(0)]
            internal WHV_X64_PROCESSOR_FEATURES ProcessorFeatures;

            [FieldOffset(0)]
            internal WHV_SYNTHETIC_PROCESSOR_FEATURES_BANKS SyntheticProcessorFeaturesBanks;

            [FieldOffset(0)]
            internal byte ProcessorClFlushSize;

            [FieldOffset(0)]
            internal ulong ProcessorClockFrequency;

            [FieldOffset(0)]
            internal WHV_PROCESSOR_FEATURES_BANKS ProcessorFeaturesBanks;

            [FieldOffset(0)]
            internal WHV_ADVISE_GPA_RANGE_POPULATE_FLAGS GpaRangePopulateFlags;

            [FieldOffset(0)]
            internal WHV_CAPABILITY_PROCESSOR_FREQUENCY_CAP ProcessorFrequencyCap;

            [FieldOffset(0)]
            internal WHV_SCHEDULER_FEATURES SchedulerFeatures;

            [FieldOffset(0)]
            internal uint PhysicalAddressWidth;

            [FieldOffset(0)]
            internal ulong NestedFeatureRegister;

            [FieldOffset(0)]
            internal WHV_PROCESSOR_XSAVE_FEATURES ProcessorXsaveFeatures;

            [FieldOffset(0)]
            internal ulong InterruptClockFrequency;

            [FieldOffset(0)]
            internal WHV_PROCESSOR_PERFMON_FEATURES ProcessorPerfmonFeatures;

            [FieldOffset(0)]
            internal WHV_X64_MSR_EXIT_BITMAP X64MsrExitBitmap;

            [FieldOffset(0)]
            internal ulong ExceptionExitBitmap;
        }
    }
}

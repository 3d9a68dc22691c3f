using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>
        /// Processor feature banks for WHvCapabilityCodeProcessorFeaturesBanks and
        /// WHvPartitionPropertyCodeProcessorFeaturesBanks (WinHvPlatformDefs.h lines 1885-1903).
        /// </summary>
        /// <remarks>The caller must set <see cref="BanksCount"/> (<see cref="WHV_PROCESSOR_FEATURES_BANKS_COUNT"/>) before the call.</remarks>
        [StructLayout(LayoutKind.Explicit, Size = 24)]
        internal struct WHV_PROCESSOR_FEATURES_BANKS
        {
            [FieldOffset(0)]
            internal uint BanksCount;

            [FieldOffset(4)]
            internal uint Reserved0;

            [FieldOffset(8)]
            internal WHV_X64_PROCESSOR_FEATURES Bank0;

            [FieldOffset(16)]
            internal WHV_X64_PROCESSOR_FEATURES1 Bank1;
        }

        /// <summary>Number of banks in WHV_PROCESSOR_FEATURES_BANKS (WinHvPlatformDefs.h line 1885).</summary>
        internal const uint WHV_PROCESSOR_FEATURES_BANKS_COUNT = 2;
    }
}

using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>One entry of WHvPartitionPropertyCodeCpuidResultList2 (WinHvPlatformDefs.h lines 2673-2683).</summary>
        /// <remarks><see cref="Mask"/> selects which output bits this entry overrides.</remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_X64_CPUID_RESULT2
        {
            internal uint Function;
            internal uint Index;
            internal uint VpIndex;
            internal WHV_X64_CPUID_RESULT2_FLAGS Flags;
            internal WHV_CPUID_OUTPUT Output;
            internal WHV_CPUID_OUTPUT Mask;
        }
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>One entry of WHvPartitionPropertyCodeCpuidResultList (WinHvPlatformDefs.h lines 2640-2650).</summary>
        /// <remarks>Matches on the leaf only; use WHV_X64_CPUID_RESULT2 for subleaf- or VP-specific results.</remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_X64_CPUID_RESULT
        {
            internal uint Function;
            internal InlineArray3<uint> Reserved;
            internal uint Eax;
            internal uint Ebx;
            internal uint Ecx;
            internal uint Edx;
        }
    }
}

using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Parameters of WHvAdviseGpaRangeCodePopulate (WinHvPlatformDefs.h lines 2521-2527).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_ADVISE_GPA_RANGE_POPULATE
        {
            internal WHV_ADVISE_GPA_RANGE_POPULATE_FLAGS Flags;
            internal WHV_MEMORY_ACCESS_TYPE AccessType;
        }
    }
}

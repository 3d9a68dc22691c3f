using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Advice buffer of WHvAdviseGpaRange (WinHvPlatformDefs.h lines 2532-2537).</summary>
        [StructLayout(LayoutKind.Explicit, Size = 8)]
        internal struct WHV_ADVISE_GPA_RANGE
        {
            [FieldOffset(0)]
            internal WHV_ADVISE_GPA_RANGE_POPULATE Populate;
        }
    }
}

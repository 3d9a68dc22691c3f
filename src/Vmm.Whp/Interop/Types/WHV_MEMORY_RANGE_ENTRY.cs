using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>A guest physical range for WHvAdviseGpaRange (WinHvPlatformDefs.h lines 2491-2496).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_MEMORY_RANGE_ENTRY
        {
            internal ulong GuestAddress;
            internal ulong SizeInBytes;
        }
    }
}

using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>WHvPartitionCounterSetMemory (WinHvPlatformDefs.h lines 3566-3573).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_PARTITION_MEMORY_COUNTERS
        {
            internal ulong Mapped4KPageCount;
            internal ulong Mapped2MPageCount;
            internal ulong Mapped1GPageCount;
        }
    }
}

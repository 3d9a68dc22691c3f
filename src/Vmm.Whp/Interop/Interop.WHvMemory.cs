using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Maps host memory into the guest physical address space (WinHvPlatform.h line 118).</summary>
        /// <remarks>
        /// Address and size must be page-aligned. The host memory must stay allocated until the range is
        /// unmapped or the partition is deleted.
        /// </remarks>
        [LibraryImport(Libraries.WinHvPlatform)]
        [SupportedOSPlatform("windows")]
        internal static unsafe partial int WHvMapGpaRange(
            SafeWhvPartitionHandle partition,
            void* sourceAddress,
            ulong guestAddress,
            ulong sizeInBytes,
            WHV_MAP_GPA_RANGE_FLAGS flags);

        /// <summary>Removes a guest physical range (WinHvPlatform.h line 139); WHV_E_GPA_RANGE_NOT_FOUND if nothing is mapped there.</summary>
        [LibraryImport(Libraries.WinHvPlatform)]
        [SupportedOSPlatform("windows")]
        internal static partial int WHvUnmapGpaRange(
            SafeWhvPartitionHandle partition,
            ulong guestAddress,
            ulong sizeInBytes);
    }
}

using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Creates an empty partition (WinHvPlatform.h line 59). Set its properties, then call <see cref="WHvSetupPartition"/>.</summary>
        [LibraryImport(Libraries.WinHvPlatform)]
        [SupportedOSPlatform("windows")]
        internal static partial int WHvCreatePartition(out SafeWhvPartitionHandle partition);

        /// <summary>Applies the properties set so far (WinHvPlatform.h line 65); VPs and memory can be added afterwards.</summary>
        [LibraryImport(Libraries.WinHvPlatform)]
        [SupportedOSPlatform("windows")]
        internal static partial int WHvSetupPartition(SafeWhvPartitionHandle partition);

        /// <summary>Deletes a partition (WinHvPlatform.h line 77). Called only by <see cref="SafeWhvPartitionHandle"/>.</summary>
        [LibraryImport(Libraries.WinHvPlatform)]
        [SupportedOSPlatform("windows")]
        internal static partial int WHvDeletePartition(nint partition);

        /// <summary>Reads a partition property (WinHvPlatform.h line 83). <paramref name="writtenSizeInBytes"/> may be null.</summary>
        [LibraryImport(Libraries.WinHvPlatform)]
        [SupportedOSPlatform("windows")]
        internal static unsafe partial int WHvGetPartitionProperty(
            SafeWhvPartitionHandle partition,
            WHV_PARTITION_PROPERTY_CODE propertyCode,
            void* propertyBuffer,
            uint propertyBufferSizeInBytes,
            uint* writtenSizeInBytes);

        /// <summary>Writes a partition property (WinHvPlatform.h line 93).</summary>
        /// <remarks>
        /// Most properties are accepted only before <see cref="WHvSetupPartition"/>; ExtendedVmExits,
        /// ExceptionExitBitmap, X64MsrExitBitmap and CpuidExitList may change later (docs/whp.md#partition-properties).
        /// </remarks>
        [LibraryImport(Libraries.WinHvPlatform)]
        [SupportedOSPlatform("windows")]
        internal static unsafe partial int WHvSetPartitionProperty(
            SafeWhvPartitionHandle partition,
            WHV_PARTITION_PROPERTY_CODE propertyCode,
            void* propertyBuffer,
            uint propertyBufferSizeInBytes);
    }
}

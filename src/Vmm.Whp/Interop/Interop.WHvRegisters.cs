using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Reads <paramref name="registerCount"/> registers of a VP (WinHvPlatform.h line 203).</summary>
        /// <remarks>
        /// <paramref name="registerValues"/> must be 16-byte aligned (WHV_REGISTER_VALUE is DECLSPEC_ALIGN(16));
        /// use WhpRegisterBuffer. The batch fails as a whole if any name is invalid for this partition.
        /// </remarks>
        [LibraryImport(Libraries.WinHvPlatform)]
        [SupportedOSPlatform("windows")]
        internal static unsafe partial int WHvGetVirtualProcessorRegisters(
            SafeWhvPartitionHandle partition,
            uint vpIndex,
            WHV_REGISTER_NAME* registerNames,
            uint registerCount,
            WHV_REGISTER_VALUE* registerValues);

        /// <summary>Writes <paramref name="registerCount"/> registers of a VP (WinHvPlatform.h line 213); same alignment rule as the read.</summary>
        [LibraryImport(Libraries.WinHvPlatform)]
        [SupportedOSPlatform("windows")]
        internal static unsafe partial int WHvSetVirtualProcessorRegisters(
            SafeWhvPartitionHandle partition,
            uint vpIndex,
            WHV_REGISTER_NAME* registerNames,
            uint registerCount,
            WHV_REGISTER_VALUE* registerValues);
    }
}

using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Queries a platform capability into <paramref name="capabilityBuffer"/> (WinHvPlatform.h line 50).</summary>
        /// <returns>An HRESULT; WHV_E_UNKNOWN_CAPABILITY for a code this Windows build does not know.</returns>
        /// <remarks><paramref name="writtenSizeInBytes"/> may be null.</remarks>
        [LibraryImport(Libraries.WinHvPlatform)]
        [SupportedOSPlatform("windows")]
        internal static unsafe partial int WHvGetCapability(
            WHV_CAPABILITY_CODE capabilityCode,
            void* capabilityBuffer,
            uint capabilityBufferSizeInBytes,
            uint* writtenSizeInBytes);
    }
}

using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>
        /// Bank 1 of the processor features (WinHvPlatformDefs.h lines 1628-1699): ACountMCountSupport at
        /// bit 0 through SrsoUserKernelNoSupported at bit 57.
        /// </summary>
        /// <remarks>Kept as the raw word for the same reason as <see cref="WHV_X64_PROCESSOR_FEATURES"/>.</remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_X64_PROCESSOR_FEATURES1
        {
            internal ulong AsUINT64;
        }
    }
}

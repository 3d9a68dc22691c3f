using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>
        /// Bank 0 of the processor features (WinHvPlatformDefs.h lines 1549-1621): 64 single-bit CPU feature
        /// flags, Sse3Support at bit 0 through TsxCtrlSupport at bit 62.
        /// </summary>
        /// <remarks>
        /// Kept as the raw word on purpose: the backend reads it from WHvGetCapability and writes it, possibly
        /// masked, back to the partition property without interpreting individual bits. Name bits here only
        /// when code starts to depend on one, with the header line next to it.
        /// </remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_X64_PROCESSOR_FEATURES
        {
            internal ulong AsUINT64;
        }
    }
}

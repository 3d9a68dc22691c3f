using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>
        /// XSAVE-managed features (WinHvPlatformDefs.h lines 2286-2334): XsaveSupport at bit 0 through
        /// AmxFp16Support at bit 37.
        /// </summary>
        /// <remarks>Kept as the raw word: the backend passes the capability through to the partition property.</remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_PROCESSOR_XSAVE_FEATURES
        {
            internal ulong AsUINT64;
        }
    }
}

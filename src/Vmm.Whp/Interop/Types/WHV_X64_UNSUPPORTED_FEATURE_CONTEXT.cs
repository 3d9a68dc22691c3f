using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Context of an UnsupportedFeature exit (WinHvPlatformDefs.h lines 3102-3109).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_X64_UNSUPPORTED_FEATURE_CONTEXT
        {
            internal WHV_X64_UNSUPPORTED_FEATURE_CODE FeatureCode;
            internal uint Reserved;
            internal ulong FeatureParameter;
        }
    }
}

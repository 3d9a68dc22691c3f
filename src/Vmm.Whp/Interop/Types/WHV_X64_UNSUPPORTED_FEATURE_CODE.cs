namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>What an UnsupportedFeature exit reports (WinHvPlatformDefs.h lines 3096-3100).</summary>
        internal enum WHV_X64_UNSUPPORTED_FEATURE_CODE
        {
            WHvUnsupportedFeatureIntercept = 1,
            WHvUnsupportedFeatureTaskSwitchTss = 2,
        }
    }
}

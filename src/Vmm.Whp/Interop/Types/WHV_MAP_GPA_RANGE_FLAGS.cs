namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Access rights and tracking for WHvMapGpaRange (WinHvPlatformDefs.h lines 2385-2393).</summary>
        [Flags]
        internal enum WHV_MAP_GPA_RANGE_FLAGS : uint
        {
            WHvMapGpaRangeFlagNone = 0x00000000,
            WHvMapGpaRangeFlagRead = 0x00000001,
            WHvMapGpaRangeFlagWrite = 0x00000002,
            WHvMapGpaRangeFlagExecute = 0x00000004,
            WHvMapGpaRangeFlagTrackDirtyPages = 0x00000008,
        }
    }
}

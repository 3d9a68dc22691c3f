namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Memory type for WHvRead/WriteGpaRange (WinHvPlatformDefs.h lines 2539-2549, x64 members); the values are the x86 memory-type encodings.</summary>
        internal enum WHV_CACHE_TYPE
        {
            WHvCacheTypeUncached = 0,
            WHvCacheTypeWriteCombining = 1,
            WHvCacheTypeWriteThrough = 4,
            WHvCacheTypeWriteProtected = 5,
            WHvCacheTypeWriteBack = 6,
        }
    }
}

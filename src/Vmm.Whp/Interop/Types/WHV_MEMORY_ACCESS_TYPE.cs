namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Kind of memory access (WinHvPlatformDefs.h lines 2511-2516).</summary>
        internal enum WHV_MEMORY_ACCESS_TYPE
        {
            WHvMemoryAccessRead = 0,
            WHvMemoryAccessWrite = 1,
            WHvMemoryAccessExecute = 2,
        }
    }
}

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Kinds of pending interruption and of interrupt-window exits (WinHvPlatformDefs.h lines 3279-3284).</summary>
        internal enum WHV_X64_PENDING_INTERRUPTION_TYPE
        {
            WHvX64PendingInterrupt = 0,
            WHvX64PendingNmi = 2,
            WHvX64PendingException = 3,
        }
    }
}

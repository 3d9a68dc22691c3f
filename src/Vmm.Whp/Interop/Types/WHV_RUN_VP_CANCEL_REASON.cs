namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Why a run was canceled (WinHvPlatformDefs.h lines 3256-3259).</summary>
        internal enum WHV_RUN_VP_CANCEL_REASON
        {
            /// <summary>WHvCancelRunVirtualProcessor was called.</summary>
            WHvRunVpCancelReasonUser = 0,
        }
    }
}

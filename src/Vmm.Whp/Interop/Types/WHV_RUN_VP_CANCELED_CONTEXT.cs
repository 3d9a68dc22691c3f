using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Context of a Canceled exit (WinHvPlatformDefs.h lines 3266-3271).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_RUN_VP_CANCELED_CONTEXT
        {
            internal WHV_RUN_VP_CANCEL_REASON CancelReason;
        }
    }
}

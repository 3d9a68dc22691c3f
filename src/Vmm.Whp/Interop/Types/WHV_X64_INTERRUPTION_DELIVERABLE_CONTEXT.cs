using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Context of an X64InterruptWindow exit (WinHvPlatformDefs.h lines 3286-3291).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_X64_INTERRUPTION_DELIVERABLE_CONTEXT
        {
            internal WHV_X64_PENDING_INTERRUPTION_TYPE DeliverableType;
        }
    }
}

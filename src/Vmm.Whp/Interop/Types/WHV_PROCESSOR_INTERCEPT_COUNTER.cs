using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Count and time of one intercept kind (WinHvPlatformDefs.h lines 3595-3601).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_PROCESSOR_INTERCEPT_COUNTER
        {
            internal ulong Count;
            internal ulong Time100ns;
        }
    }
}

using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>WHvProcessorCounterSetRuntime (WinHvPlatformDefs.h lines 3587-3593).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_PROCESSOR_RUNTIME_COUNTERS
        {
            internal ulong TotalRuntime100ns;
            internal ulong HypervisorRuntime100ns;
        }
    }
}

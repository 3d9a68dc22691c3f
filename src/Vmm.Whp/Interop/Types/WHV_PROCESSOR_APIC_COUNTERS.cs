using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>WHvProcessorCounterSetApic (WinHvPlatformDefs.h lines 3648-3657).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_PROCESSOR_APIC_COUNTERS
        {
            internal ulong MmioAccessCount;
            internal ulong EoiAccessCount;
            internal ulong TprAccessCount;
            internal ulong SentIpiCount;
            internal ulong SelfIpiCount;
        }
    }
}

using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>WHvProcessorCounterSetSyntheticFeatures (WinHvPlatformDefs.h lines 3661-3671).</summary>
        /// <remarks>
        /// Counts the enlightenments the hypervisor served itself (SyntheticProcessorFeaturesBanks): useful to
        /// compare hypervisor-side TLB-flush hypercalls against the VMM's own implementation.
        /// </remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_PROCESSOR_SYNTHETIC_FEATURES_COUNTERS
        {
            internal ulong SyntheticInterruptsCount;
            internal ulong LongSpinWaitHypercallsCount;
            internal ulong OtherHypercallsCount;
            internal ulong SyntheticInterruptHypercallsCount;
            internal ulong VirtualInterruptHypercallsCount;
            internal ulong VirtualMmuHypercallsCount;
        }
    }
}

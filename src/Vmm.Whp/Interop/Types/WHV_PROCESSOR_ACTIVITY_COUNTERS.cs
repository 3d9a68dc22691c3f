using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>
        /// WHvProcessorCounterSetIntercepts (WinHvPlatformDefs.h lines 3603-3635; the struct tag is
        /// WHV_PROCESSOR_INTERCEPT_COUNTERS, the typedef WHV_PROCESSOR_ACTIVITY_COUNTERS).
        /// </summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_PROCESSOR_ACTIVITY_COUNTERS
        {
            internal WHV_PROCESSOR_INTERCEPT_COUNTER PageInvalidations;
            internal WHV_PROCESSOR_INTERCEPT_COUNTER ControlRegisterAccesses;
            internal WHV_PROCESSOR_INTERCEPT_COUNTER IoInstructions;
            internal WHV_PROCESSOR_INTERCEPT_COUNTER HaltInstructions;
            internal WHV_PROCESSOR_INTERCEPT_COUNTER CpuidInstructions;
            internal WHV_PROCESSOR_INTERCEPT_COUNTER MsrAccesses;
            internal WHV_PROCESSOR_INTERCEPT_COUNTER OtherIntercepts;
            internal WHV_PROCESSOR_INTERCEPT_COUNTER PendingInterrupts;
            internal WHV_PROCESSOR_INTERCEPT_COUNTER EmulatedInstructions;
            internal WHV_PROCESSOR_INTERCEPT_COUNTER DebugRegisterAccesses;
            internal WHV_PROCESSOR_INTERCEPT_COUNTER PageFaultIntercepts;
            internal WHV_PROCESSOR_INTERCEPT_COUNTER NestedPageFaultIntercepts;
            internal WHV_PROCESSOR_INTERCEPT_COUNTER Hypercalls;
            internal WHV_PROCESSOR_INTERCEPT_COUNTER RdpmcInstructions;
        }
    }
}

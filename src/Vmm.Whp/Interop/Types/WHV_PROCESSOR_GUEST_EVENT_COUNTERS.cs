using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>
        /// WHvProcessorCounterSetEvents (WinHvPlatformDefs.h lines 3637-3644; the struct tag is
        /// WHV_PROCESSOR_EVENT_COUNTERS, the typedef WHV_PROCESSOR_GUEST_EVENT_COUNTERS).
        /// </summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_PROCESSOR_GUEST_EVENT_COUNTERS
        {
            internal ulong PageFaultCount;
            internal ulong ExceptionCount;
            internal ulong InterruptCount;
        }
    }
}

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Counter sets of WHvGetVirtualProcessorCounters (WinHvPlatformDefs.h lines 3576-3585, x64 members).</summary>
        internal enum WHV_PROCESSOR_COUNTER_SET
        {
            WHvProcessorCounterSetRuntime = 0,
            WHvProcessorCounterSetIntercepts = 1,
            WHvProcessorCounterSetEvents = 2,
            WHvProcessorCounterSetApic = 3,
            WHvProcessorCounterSetSyntheticFeatures = 4,
        }
    }
}

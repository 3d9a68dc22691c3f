namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Counter sets of WHvGetPartitionCounters (WinHvPlatformDefs.h lines 3561-3564).</summary>
        internal enum WHV_PARTITION_COUNTER_SET
        {
            WHvPartitionCounterSetMemory = 0,
        }
    }
}

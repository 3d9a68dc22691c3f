using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>One entry of WHvPartitionPropertyCodeMsrActionList (WinHvPlatformDefs.h lines 2688-2696).</summary>
        /// <remarks>The actions are WHV_MSR_ACTION values stored in one byte each.</remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_MSR_ACTION_ENTRY
        {
            internal uint Index;
            internal byte ReadAction;
            internal byte WriteAction;
            internal ushort Reserved;
        }
    }
}

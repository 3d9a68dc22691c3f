using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Target of WHvSignalVirtualProcessorSynicEvent, passed by value (WinHvPlatformDefs.h lines 4068-4076).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_SYNIC_EVENT_PARAMETERS
        {
            internal uint VpIndex;
            internal byte TargetSint;

            /// <summary>A WHV_VTL (UINT8).</summary>
            internal byte TargetVtl;
            internal ushort FlagNumber;
        }
    }
}

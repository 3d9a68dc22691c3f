using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Context of a SynicSintDeliverable exit (WinHvPlatformDefs.h lines 2929-2936).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_SYNIC_SINT_DELIVERABLE_CONTEXT
        {
            /// <summary>Bit n set: SINT n can now take a message.</summary>
            internal ushort DeliverableSints;
            internal ushort Reserved1;
            internal uint Reserved2;
        }
    }
}

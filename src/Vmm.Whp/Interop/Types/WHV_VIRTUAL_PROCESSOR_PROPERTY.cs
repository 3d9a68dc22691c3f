using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>One property for WHvCreateVirtualProcessor2 (WinHvPlatformDefs.h lines 4273-4284).</summary>
        [StructLayout(LayoutKind.Explicit, Size = 16)]
        internal struct WHV_VIRTUAL_PROCESSOR_PROPERTY
        {
            [FieldOffset(0)]
            internal WHV_VIRTUAL_PROCESSOR_PROPERTY_CODE PropertyCode;

            [FieldOffset(4)]
            internal uint Reserved;

            [FieldOffset(8)]
            internal ushort NumaNode;

            [FieldOffset(8)]
            internal ulong Padding;
        }
    }
}

using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Controls of WHvReadGpaRange/WHvWriteGpaRange, passed by value (WinHvPlatformDefs.h lines 2554-2573).</summary>
        [StructLayout(LayoutKind.Explicit, Size = 8)]
        internal struct WHV_ACCESS_GPA_CONTROLS
        {
            [FieldOffset(0)]
            internal ulong AsUINT64;

            [FieldOffset(0)]
            internal WHV_CACHE_TYPE CacheType;

            [FieldOffset(4)]
            internal WHV_INPUT_VTL InputVtl;

            [FieldOffset(5)]
            internal byte Reserved;

            [FieldOffset(6)]
            internal ushort Reserved1;
        }
    }
}

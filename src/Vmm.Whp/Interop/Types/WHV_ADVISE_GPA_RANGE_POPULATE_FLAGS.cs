using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Flags of WHvAdviseGpaRangeCodePopulate and result of WHvCapabilityCodeGpaRangePopulateFlags (WinHvPlatformDefs.h lines 2498-2509).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_ADVISE_GPA_RANGE_POPULATE_FLAGS
        {
            internal uint AsUINT32;

            internal bool Prefetch
            {
                readonly get => BitField.Get(AsUINT32, 0);
                set => AsUINT32 = (uint)BitField.Set(AsUINT32, 0, value);
            }

            internal bool AvoidHardFaults
            {
                readonly get => BitField.Get(AsUINT32, 1);
                set => AsUINT32 = (uint)BitField.Set(AsUINT32, 1, value);
            }
        }
    }
}

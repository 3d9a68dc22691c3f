using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Result of WHvCapabilityCodeSchedulerFeatures (WinHvPlatformDefs.h lines 2587-2602).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_SCHEDULER_FEATURES
        {
            internal ulong AsUINT64;

            internal bool CpuReserve
            {
                readonly get => BitField.Get(AsUINT64, 0);
                set => AsUINT64 = BitField.Set(AsUINT64, 0, value);
            }

            internal bool CpuCap
            {
                readonly get => BitField.Get(AsUINT64, 1);
                set => AsUINT64 = BitField.Set(AsUINT64, 1, value);
            }

            internal bool CpuWeight
            {
                readonly get => BitField.Get(AsUINT64, 2);
                set => AsUINT64 = BitField.Set(AsUINT64, 2, value);
            }

            internal bool CpuGroupId
            {
                readonly get => BitField.Get(AsUINT64, 3);
                set => AsUINT64 = BitField.Set(AsUINT64, 3, value);
            }

            internal bool DisableSmt
            {
                readonly get => BitField.Get(AsUINT64, 4);
                set => AsUINT64 = BitField.Set(AsUINT64, 4, value);
            }
        }
    }
}

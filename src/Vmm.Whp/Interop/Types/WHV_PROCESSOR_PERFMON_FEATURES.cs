using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Performance-monitoring features (WinHvPlatformDefs.h lines 2340-2352).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_PROCESSOR_PERFMON_FEATURES
        {
            internal ulong AsUINT64;

            internal bool PmuSupport
            {
                readonly get => BitField.Get(AsUINT64, 0);
                set => AsUINT64 = BitField.Set(AsUINT64, 0, value);
            }

            internal bool LbrSupport
            {
                readonly get => BitField.Get(AsUINT64, 1);
                set => AsUINT64 = BitField.Set(AsUINT64, 1, value);
            }
        }
    }
}

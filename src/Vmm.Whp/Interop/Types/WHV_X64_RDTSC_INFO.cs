using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Details of an RDTSC exit (WinHvPlatformDefs.h lines 3307-3318): IsRdtscp is bit 0.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_X64_RDTSC_INFO
        {
            internal ulong AsUINT64;

            internal bool IsRdtscp
            {
                readonly get => BitField.Get(AsUINT64, 0);
                set => AsUINT64 = BitField.Set(AsUINT64, 0, value);
            }
        }
    }
}

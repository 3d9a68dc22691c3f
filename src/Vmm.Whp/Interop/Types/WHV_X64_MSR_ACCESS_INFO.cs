using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Access details of an MSR exit (WinHvPlatformDefs.h lines 3016-3027): IsWrite is bit 0.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_X64_MSR_ACCESS_INFO
        {
            internal uint AsUINT32;

            internal bool IsWrite
            {
                readonly get => BitField.Get(AsUINT32, 0);
                set => AsUINT32 = (uint)BitField.Set(AsUINT32, 0, value);
            }
        }
    }
}

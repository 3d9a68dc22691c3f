using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Details of an exception exit (WinHvPlatformDefs.h lines 3062-3074): ErrorCodeValid 0, SoftwareException 1.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_VP_EXCEPTION_INFO
        {
            internal uint AsUINT32;

            internal bool ErrorCodeValid
            {
                readonly get => BitField.Get(AsUINT32, 0);
                set => AsUINT32 = (uint)BitField.Set(AsUINT32, 0, value);
            }

            internal bool SoftwareException
            {
                readonly get => BitField.Get(AsUINT32, 1);
                set => AsUINT32 = (uint)BitField.Set(AsUINT32, 1, value);
            }
        }
    }
}

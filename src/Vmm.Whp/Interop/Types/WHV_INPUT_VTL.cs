using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Selects a virtual trust level (WinHvPlatformDefs.h lines 2111-2120).</summary>
        /// <remarks>TargetVtl 3:0, UseTargetVtl 4.</remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_INPUT_VTL
        {
            internal byte AsUINT8;

            internal byte TargetVtl
            {
                readonly get => (byte)BitField.Get(AsUINT8, 0, 4);
                set => AsUINT8 = (byte)BitField.Set(AsUINT8, 0, 4, value);
            }

            internal bool UseTargetVtl
            {
                readonly get => BitField.Get(AsUINT8, 4);
                set => AsUINT8 = (byte)BitField.Set(AsUINT8, 4, value);
            }
        }
    }
}

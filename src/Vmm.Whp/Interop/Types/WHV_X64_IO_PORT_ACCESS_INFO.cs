using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Access details of an I/O port exit (WinHvPlatformDefs.h lines 2976-2990).</summary>
        /// <remarks>IsWrite 0, AccessSize 3:1 (1, 2 or 4 bytes), StringOp 4, RepPrefix 5.</remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_X64_IO_PORT_ACCESS_INFO
        {
            internal uint AsUINT32;

            internal bool IsWrite
            {
                readonly get => BitField.Get(AsUINT32, 0);
                set => AsUINT32 = (uint)BitField.Set(AsUINT32, 0, value);
            }

            internal byte AccessSize
            {
                readonly get => (byte)BitField.Get(AsUINT32, 1, 3);
                set => AsUINT32 = (uint)BitField.Set(AsUINT32, 1, 3, value);
            }

            internal bool StringOp
            {
                readonly get => BitField.Get(AsUINT32, 4);
                set => AsUINT32 = (uint)BitField.Set(AsUINT32, 4, value);
            }

            internal bool RepPrefix
            {
                readonly get => BitField.Get(AsUINT32, 5);
                set => AsUINT32 = (uint)BitField.Set(AsUINT32, 5, value);
            }
        }
    }
}

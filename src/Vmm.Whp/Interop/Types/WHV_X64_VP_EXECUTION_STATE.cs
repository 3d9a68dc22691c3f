using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Processor mode summary in every exit context (WinHvPlatformDefs.h lines 2892-2910).</summary>
        /// <remarks>Cpl 1:0, Cr0Pe 2, Cr0Am 3, EferLma 4, DebugActive 5, InterruptionPending 6, Reserved0 11:7, InterruptShadow 12.</remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_X64_VP_EXECUTION_STATE
        {
            internal ushort AsUINT16;

            internal byte Cpl
            {
                readonly get => (byte)BitField.Get(AsUINT16, 0, 2);
                set => AsUINT16 = (ushort)BitField.Set(AsUINT16, 0, 2, value);
            }

            internal bool Cr0Pe
            {
                readonly get => BitField.Get(AsUINT16, 2);
                set => AsUINT16 = (ushort)BitField.Set(AsUINT16, 2, value);
            }

            internal bool Cr0Am
            {
                readonly get => BitField.Get(AsUINT16, 3);
                set => AsUINT16 = (ushort)BitField.Set(AsUINT16, 3, value);
            }

            internal bool EferLma
            {
                readonly get => BitField.Get(AsUINT16, 4);
                set => AsUINT16 = (ushort)BitField.Set(AsUINT16, 4, value);
            }

            internal bool DebugActive
            {
                readonly get => BitField.Get(AsUINT16, 5);
                set => AsUINT16 = (ushort)BitField.Set(AsUINT16, 5, value);
            }

            internal bool InterruptionPending
            {
                readonly get => BitField.Get(AsUINT16, 6);
                set => AsUINT16 = (ushort)BitField.Set(AsUINT16, 6, value);
            }

            internal bool InterruptShadow
            {
                readonly get => BitField.Get(AsUINT16, 12);
                set => AsUINT16 = (ushort)BitField.Set(AsUINT16, 12, value);
            }
        }
    }
}

using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Value of WHvX64RegisterPendingDebugException (WinHvPlatformDefs.h lines 1235-1251).</summary>
        /// <remarks>Breakpoint0-3 are bits 3:0 and SingleStep is bit 4, the same positions as in DR6.</remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_X64_PENDING_DEBUG_EXCEPTION
        {
            internal ulong AsUINT64;

            internal bool Breakpoint0
            {
                readonly get => BitField.Get(AsUINT64, 0);
                set => AsUINT64 = BitField.Set(AsUINT64, 0, value);
            }

            internal bool Breakpoint1
            {
                readonly get => BitField.Get(AsUINT64, 1);
                set => AsUINT64 = BitField.Set(AsUINT64, 1, value);
            }

            internal bool Breakpoint2
            {
                readonly get => BitField.Get(AsUINT64, 2);
                set => AsUINT64 = BitField.Set(AsUINT64, 2, value);
            }

            internal bool Breakpoint3
            {
                readonly get => BitField.Get(AsUINT64, 3);
                set => AsUINT64 = BitField.Set(AsUINT64, 3, value);
            }

            internal bool SingleStep
            {
                readonly get => BitField.Get(AsUINT64, 4);
                set => AsUINT64 = BitField.Set(AsUINT64, 4, value);
            }
        }
    }
}

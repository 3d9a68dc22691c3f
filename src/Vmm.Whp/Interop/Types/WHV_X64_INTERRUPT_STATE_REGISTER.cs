using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Value of WHvRegisterInterruptState (WinHvPlatformDefs.h lines 966-978).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_X64_INTERRUPT_STATE_REGISTER
        {
            internal ulong AsUINT64;

            /// <summary>Bit 0: interrupts are blocked for one instruction (after STI or MOV SS).</summary>
            internal bool InterruptShadow
            {
                readonly get => BitField.Get(AsUINT64, 0);
                set => AsUINT64 = BitField.Set(AsUINT64, 0, value);
            }

            /// <summary>Bit 1: NMIs are blocked.</summary>
            internal bool NmiMasked
            {
                readonly get => BitField.Get(AsUINT64, 1);
                set => AsUINT64 = BitField.Set(AsUINT64, 1, value);
            }
        }
    }
}

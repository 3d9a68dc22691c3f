using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Value of WHvRegisterInternalActivityState (WinHvPlatformDefs.h lines 1218-1231).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_INTERNAL_ACTIVITY_REGISTER
        {
            internal ulong AsUINT64;

            /// <summary>Bit 0: the VP waits for a startup IPI (an application processor after INIT).</summary>
            internal bool StartupSuspend
            {
                readonly get => BitField.Get(AsUINT64, 0);
                set => AsUINT64 = BitField.Set(AsUINT64, 0, value);
            }

            /// <summary>Bit 1: the VP executed HLT and waits for an interrupt.</summary>
            internal bool HaltSuspend
            {
                readonly get => BitField.Get(AsUINT64, 1);
                set => AsUINT64 = BitField.Set(AsUINT64, 1, value);
            }

            /// <summary>Bit 2: the VP is in the idle state.</summary>
            internal bool IdleSuspend
            {
                readonly get => BitField.Get(AsUINT64, 2);
                set => AsUINT64 = BitField.Set(AsUINT64, 2, value);
            }
        }
    }
}

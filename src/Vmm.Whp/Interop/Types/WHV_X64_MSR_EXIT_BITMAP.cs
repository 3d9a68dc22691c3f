using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>
        /// Which MSR accesses exit to user mode once X64MsrExit is on: result of WHvCapabilityCodeX64MsrExitBitmap
        /// and value of WHvPartitionPropertyCodeX64MsrExitBitmap (WinHvPlatformDefs.h lines 2358-2374).
        /// </summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_X64_MSR_EXIT_BITMAP
        {
            internal ulong AsUINT64;

            /// <summary>Bit 0: MSRs the hypervisor does not implement (this is how synthetic MSRs reach the VMM).</summary>
            internal bool UnhandledMsrs
            {
                readonly get => BitField.Get(AsUINT64, 0);
                set => AsUINT64 = BitField.Set(AsUINT64, 0, value);
            }

            internal bool TscMsrWrite
            {
                readonly get => BitField.Get(AsUINT64, 1);
                set => AsUINT64 = BitField.Set(AsUINT64, 1, value);
            }

            internal bool TscMsrRead
            {
                readonly get => BitField.Get(AsUINT64, 2);
                set => AsUINT64 = BitField.Set(AsUINT64, 2, value);
            }

            internal bool ApicBaseMsrWrite
            {
                readonly get => BitField.Get(AsUINT64, 3);
                set => AsUINT64 = BitField.Set(AsUINT64, 3, value);
            }

            internal bool MiscEnableMsrRead
            {
                readonly get => BitField.Get(AsUINT64, 4);
                set => AsUINT64 = BitField.Set(AsUINT64, 4, value);
            }

            internal bool McUpdatePatchLevelMsrRead
            {
                readonly get => BitField.Get(AsUINT64, 5);
                set => AsUINT64 = BitField.Set(AsUINT64, 5, value);
            }
        }
    }
}

using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Third nested VMX VM-exit register: guest linear and physical address (WinHvPlatformDefs.h lines 1134-1143).</summary>
        [StructLayout(LayoutKind.Explicit, Size = 16)]
        internal struct WHV_X64_PENDING_VMX_NESTED_EXIT_EVENT2
        {
            [FieldOffset(0)]
            internal ulong GuestLinearAddress;

            [FieldOffset(8)]
            internal ulong GuestPhysicalAddress;

            [FieldOffset(0)]
            internal WHV_UINT128 AsUINT128;
        }
    }
}

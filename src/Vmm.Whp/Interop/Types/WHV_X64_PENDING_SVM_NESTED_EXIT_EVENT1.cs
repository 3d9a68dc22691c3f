using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Second nested SVM #VMEXIT register: EXITINFO1 and EXITINFO2 (WinHvPlatformDefs.h lines 1066-1075).</summary>
        [StructLayout(LayoutKind.Explicit, Size = 16)]
        internal struct WHV_X64_PENDING_SVM_NESTED_EXIT_EVENT1
        {
            [FieldOffset(0)]
            internal ulong ExitInfo1;

            [FieldOffset(8)]
            internal ulong ExitInfo2;

            [FieldOffset(0)]
            internal WHV_UINT128 AsUINT128;
        }
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Fourth nested SVM #VMEXIT register: the remaining instruction bytes (WinHvPlatformDefs.h lines 1089-1098).</summary>
        [StructLayout(LayoutKind.Explicit, Size = 16)]
        internal struct WHV_X64_PENDING_SVM_NESTED_EXIT_EVENT3
        {
            [FieldOffset(0)]
            internal InlineArray8<byte> InstructionBytes;

            [FieldOffset(8)]
            internal ulong Reserved2;

            [FieldOffset(0)]
            internal WHV_UINT128 AsUINT128;
        }
    }
}

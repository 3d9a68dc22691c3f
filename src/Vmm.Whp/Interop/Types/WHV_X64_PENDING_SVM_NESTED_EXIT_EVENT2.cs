using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Third nested SVM #VMEXIT register: next RIP and the first instruction bytes (WinHvPlatformDefs.h lines 1077-1087).</summary>
        [StructLayout(LayoutKind.Explicit, Size = 16)]
        internal struct WHV_X64_PENDING_SVM_NESTED_EXIT_EVENT2
        {
            [FieldOffset(0)]
            internal ulong NextRip;

            [FieldOffset(8)]
            internal byte InstructionBytesFetchedCount;

            [FieldOffset(9)]
            internal InlineArray7<byte> InstructionBytes;

            [FieldOffset(0)]
            internal WHV_UINT128 AsUINT128;
        }
    }
}

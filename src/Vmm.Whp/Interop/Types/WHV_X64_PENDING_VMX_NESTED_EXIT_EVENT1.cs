using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Second nested VMX VM-exit register (WinHvPlatformDefs.h lines 1120-1132).</summary>
        [StructLayout(LayoutKind.Explicit, Size = 16)]
        internal struct WHV_X64_PENDING_VMX_NESTED_EXIT_EVENT1
        {
            [FieldOffset(0)]
            internal uint InstructionLength;

            [FieldOffset(4)]
            internal uint InstructionInfo;

            [FieldOffset(8)]
            internal uint ExitInterruptionInfo;

            [FieldOffset(12)]
            internal uint ExitExceptionErrorCode;

            [FieldOffset(0)]
            internal WHV_UINT128 AsUINT128;
        }
    }
}

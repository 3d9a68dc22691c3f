using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>
        /// The VP state every exit reports (WinHvPlatformDefs.h lines 2915-2927, where it is declared as
        /// WHV_X64_VP_EXIT_CONTEXT with the alias WHV_VP_EXIT_CONTEXT).
        /// </summary>
        /// <remarks>
        /// <see cref="InstructionLengthCr8"/> is the header's byte of two bitfields: InstructionLength 3:0 (the
        /// length of the exiting instruction, for advancing RIP) and Cr8 7:4.
        /// </remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_VP_EXIT_CONTEXT
        {
            internal WHV_X64_VP_EXECUTION_STATE ExecutionState;
            internal byte InstructionLengthCr8;
            internal byte Reserved;
            internal uint Reserved2;
            internal WHV_X64_SEGMENT_REGISTER Cs;
            internal ulong Rip;
            internal ulong Rflags;

            internal byte InstructionLength
            {
                readonly get => (byte)BitField.Get(InstructionLengthCr8, 0, 4);
                set => InstructionLengthCr8 = (byte)BitField.Set(InstructionLengthCr8, 0, 4, value);
            }

            internal byte Cr8
            {
                readonly get => (byte)BitField.Get(InstructionLengthCr8, 4, 4);
                set => InstructionLengthCr8 = (byte)BitField.Set(InstructionLengthCr8, 4, 4, value);
            }
        }
    }
}

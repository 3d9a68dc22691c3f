using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Context of an Exception exit (WinHvPlatformDefs.h lines 3076-3090).</summary>
        /// <remarks><see cref="ExceptionType"/> is a WHV_EXCEPTION_TYPE (the vector) stored in one byte; <see cref="ExceptionParameter"/> is CR2 for #PF.</remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_VP_EXCEPTION_CONTEXT
        {
            internal byte InstructionByteCount;
            internal InlineArray3<byte> Reserved;
            internal InlineArray16<byte> InstructionBytes;
            internal WHV_VP_EXCEPTION_INFO ExceptionInfo;
            internal byte ExceptionType;
            internal InlineArray3<byte> Reserved2;
            internal uint ErrorCode;
            internal ulong ExceptionParameter;
        }
    }
}

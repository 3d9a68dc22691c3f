using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Context of an X64IoPortAccess exit (WinHvPlatformDefs.h lines 2992-3011).</summary>
        /// <remarks>RAX, RCX, RSI, RDI, DS and ES are included so string and REP forms can be emulated without a register read.</remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_X64_IO_PORT_ACCESS_CONTEXT
        {
            internal byte InstructionByteCount;
            internal InlineArray3<byte> Reserved;
            internal InlineArray16<byte> InstructionBytes;
            internal WHV_X64_IO_PORT_ACCESS_INFO AccessInfo;
            internal ushort PortNumber;
            internal InlineArray3<ushort> Reserved2;
            internal ulong Rax;
            internal ulong Rcx;
            internal ulong Rsi;
            internal ulong Rdi;
            internal WHV_X64_SEGMENT_REGISTER Ds;
            internal WHV_X64_SEGMENT_REGISTER Es;
        }
    }
}

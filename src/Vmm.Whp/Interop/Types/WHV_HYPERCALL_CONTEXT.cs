using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>
        /// Context of a Hypercall exit (WinHvPlatformDefs.h lines 3351-3365, declared as
        /// WHV_X64_HYPERCALL_CONTEXT with the alias WHV_HYPERCALL_CONTEXT).
        /// </summary>
        /// <remarks>
        /// Holds the TLFS hypercall input registers: RCX the control word, RDX/R8 the input and output GPAs
        /// (or fast input), XMM0-5 for XMM fast hypercalls. Outputs are written back with
        /// WHvSetVirtualProcessorRegisters. In C the XMM array is 16-byte aligned; its offset (64) is
        /// already a multiple of 16, so the managed layout matches.
        /// </remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_HYPERCALL_CONTEXT
        {
            internal ulong Rax;
            internal ulong Rbx;
            internal ulong Rcx;
            internal ulong Rdx;
            internal ulong R8;
            internal ulong Rsi;
            internal ulong Rdi;
            internal ulong Reserved0;
            internal InlineArray6<WHV_UINT128> XmmRegisters;
            internal InlineArray2<ulong> Reserved1;
        }

        /// <summary>Number of XMM registers in WHV_HYPERCALL_CONTEXT (WinHvPlatformDefs.h line 3349).</summary>
        internal const int WHV_HYPERCALL_CONTEXT_MAX_XMM_REGISTERS = 6;
    }
}

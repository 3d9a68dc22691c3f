using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Context of a MemoryAccess exit (WinHvPlatformDefs.h lines 2956-2971).</summary>
        /// <remarks>
        /// The hypervisor reports instruction bytes, not a decoded access: the backend decodes
        /// <see cref="InstructionBytes"/> (the first <see cref="InstructionByteCount"/> are valid) to complete the
        /// access, fetching more through the guest page tables if the count is short.
        /// </remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_MEMORY_ACCESS_CONTEXT
        {
            internal byte InstructionByteCount;
            internal InlineArray3<byte> Reserved;
            internal InlineArray16<byte> InstructionBytes;
            internal WHV_MEMORY_ACCESS_INFO AccessInfo;
            internal ulong Gpa;
            internal ulong Gva;
        }
    }
}

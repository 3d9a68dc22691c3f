using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Context of an X64MsrAccess exit (WinHvPlatformDefs.h lines 3029-3038).</summary>
        /// <remarks>For a write, EDX:EAX is the value; for a read, the VMM writes RAX and RDX and advances RIP.</remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_X64_MSR_ACCESS_CONTEXT
        {
            internal WHV_X64_MSR_ACCESS_INFO AccessInfo;
            internal uint MsrNumber;
            internal ulong Rax;
            internal ulong Rdx;
        }
    }
}

using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Context of an X64Cpuid exit (WinHvPlatformDefs.h lines 3043-3056).</summary>
        /// <remarks>The DefaultResult registers hold what the hypervisor would have returned. Note the header's RAX, RCX, RDX, RBX order.</remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_X64_CPUID_ACCESS_CONTEXT
        {
            internal ulong Rax;
            internal ulong Rcx;
            internal ulong Rdx;
            internal ulong Rbx;
            internal ulong DefaultResultRax;
            internal ulong DefaultResultRcx;
            internal ulong DefaultResultRdx;
            internal ulong DefaultResultRbx;
        }
    }
}

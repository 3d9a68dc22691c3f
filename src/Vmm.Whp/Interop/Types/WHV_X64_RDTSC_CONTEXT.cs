using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Context of an X64Rdtsc exit (WinHvPlatformDefs.h lines 3320-3329).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_X64_RDTSC_CONTEXT
        {
            internal ulong TscAux;
            internal ulong VirtualOffset;
            internal ulong Tsc;
            internal ulong ReferenceTime;
            internal WHV_X64_RDTSC_INFO RdtscInfo;
        }
    }
}

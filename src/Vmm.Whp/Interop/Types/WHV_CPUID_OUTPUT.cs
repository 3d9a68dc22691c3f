using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>CPUID output registers (WinHvPlatformDefs.h lines 2660-2668).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_CPUID_OUTPUT
        {
            internal uint Eax;
            internal uint Ebx;
            internal uint Ecx;
            internal uint Edx;
        }
    }
}

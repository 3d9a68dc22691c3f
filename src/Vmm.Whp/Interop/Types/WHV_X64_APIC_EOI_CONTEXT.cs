using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Context of an X64ApicEoi exit, taken for level-triggered vectors (WinHvPlatformDefs.h lines 3297-3302).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_X64_APIC_EOI_CONTEXT
        {
            internal uint InterruptVector;
        }
    }
}

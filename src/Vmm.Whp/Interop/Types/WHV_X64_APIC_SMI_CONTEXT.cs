using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Context of an X64ApicSmiTrap exit (WinHvPlatformDefs.h lines 3334-3339).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_X64_APIC_SMI_CONTEXT
        {
            internal ulong ApicIcr;
        }
    }
}

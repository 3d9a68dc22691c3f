using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Context of an X64ApicInitSipiTrap exit (WinHvPlatformDefs.h lines 3385-3390).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_X64_APIC_INIT_SIPI_CONTEXT
        {
            internal ulong ApicIcr;
        }
    }
}

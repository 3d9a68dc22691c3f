using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Context of an X64ApicWriteTrap exit (WinHvPlatformDefs.h lines 3407-3414).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_X64_APIC_WRITE_CONTEXT
        {
            internal WHV_X64_APIC_WRITE_TYPE Type;
            internal uint Reserved;
            internal ulong WriteValue;
        }
    }
}

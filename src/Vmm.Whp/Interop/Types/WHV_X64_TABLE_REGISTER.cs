using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>GDTR or IDTR (WinHvPlatformDefs.h lines 957-964).</summary>
        /// <remarks>The three padding words put <see cref="Limit"/> at offset 6, so Limit:Base read as the
        /// 10-byte SGDT/SIDT image starting at offset 6.</remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_X64_TABLE_REGISTER
        {
            internal InlineArray3<ushort> Pad;
            internal ushort Limit;
            internal ulong Base;
        }
    }
}

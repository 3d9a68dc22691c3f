using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Value of WHvX64RegisterNestedVmxInvEpt (WinHvPlatformDefs.h lines 1149-1161).</summary>
        [StructLayout(LayoutKind.Explicit, Size = 16)]
        internal struct WHV_X64_NESTED_INVEPT_REGISTER
        {
            [FieldOffset(0)]
            internal byte Type;

            [FieldOffset(1)]
            internal InlineArray7<byte> Reserved;

            [FieldOffset(8)]
            internal ulong Eptp;

            [FieldOffset(0)]
            internal WHV_UINT128 AsUINT128;
        }
    }
}

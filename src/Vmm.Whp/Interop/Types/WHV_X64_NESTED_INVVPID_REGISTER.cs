using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Value of WHvX64RegisterNestedVmxInvVpid (WinHvPlatformDefs.h lines 1163-1177).</summary>
        [StructLayout(LayoutKind.Explicit, Size = 16)]
        internal struct WHV_X64_NESTED_INVVPID_REGISTER
        {
            [FieldOffset(0)]
            internal byte Type;

            [FieldOffset(1)]
            internal InlineArray3<byte> Reserved;

            [FieldOffset(4)]
            internal uint Vpid;

            [FieldOffset(8)]
            internal ulong LinearAddress;

            [FieldOffset(0)]
            internal WHV_UINT128 AsUINT128;
        }
    }
}

using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>An x87 register in 80-bit extended format, widened to 128 bits (WinHvPlatformDefs.h lines 860-873).</summary>
        /// <remarks>Second quadword: BiasedExponent 14:0, Sign 15, Reserved 63:16.</remarks>
        [StructLayout(LayoutKind.Explicit, Size = 16)]
        internal struct WHV_X64_FP_REGISTER
        {
            [FieldOffset(0)]
            internal ulong Mantissa;

            [FieldOffset(8)]
            internal ulong ExponentAndSign;

            [FieldOffset(0)]
            internal WHV_UINT128 AsUINT128;

            internal ushort BiasedExponent
            {
                readonly get => (ushort)BitField.Get(ExponentAndSign, 0, 15);
                set => ExponentAndSign = BitField.Set(ExponentAndSign, 0, 15, value);
            }

            internal bool Sign
            {
                readonly get => BitField.Get(ExponentAndSign, 15);
                set => ExponentAndSign = BitField.Set(ExponentAndSign, 15, value);
            }
        }
    }
}

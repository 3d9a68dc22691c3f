using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>A 128-bit value as WHP passes it (WinHvPlatformDefs.h lines 845-856).</summary>
        /// <remarks>
        /// The header declares this union <c>DECLSPEC_ALIGN(16)</c>, which C# cannot express: the size is
        /// right (16) but the CLR aligns the struct to 8 only. Any native buffer holding WHV_UINT128 or
        /// WHV_REGISTER_VALUE must therefore be allocated 16-byte aligned (see WhpRegisterBuffer).
        /// </remarks>
        [StructLayout(LayoutKind.Explicit, Size = 16)]
        internal struct WHV_UINT128
        {
            [FieldOffset(0)]
            internal ulong Low64;

            [FieldOffset(8)]
            internal ulong High64;

            [FieldOffset(0)]
            internal InlineArray4<uint> Dword;

            internal WHV_UINT128(ulong low64, ulong high64)
            {
                Low64 = low64;
                High64 = high64;
            }
        }
    }
}

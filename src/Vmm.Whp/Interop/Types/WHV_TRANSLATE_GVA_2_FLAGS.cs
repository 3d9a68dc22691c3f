using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Flags of WHvTranslateGva2 (WinHvPlatformDefs.h lines 2422-2450, x64 layout).</summary>
        /// <remarks>The low bits sit where WHV_TRANSLATE_GVA_FLAGS puts them; InputVtl is bits 63:56.</remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_TRANSLATE_GVA_2_FLAGS
        {
            internal ulong AsUINT64;

            internal bool ValidateRead
            {
                readonly get => BitField.Get(AsUINT64, 0);
                set => AsUINT64 = BitField.Set(AsUINT64, 0, value);
            }

            internal bool ValidateWrite
            {
                readonly get => BitField.Get(AsUINT64, 1);
                set => AsUINT64 = BitField.Set(AsUINT64, 1, value);
            }

            internal bool ValidateExecute
            {
                readonly get => BitField.Get(AsUINT64, 2);
                set => AsUINT64 = BitField.Set(AsUINT64, 2, value);
            }

            internal bool PrivilegeExempt
            {
                readonly get => BitField.Get(AsUINT64, 3);
                set => AsUINT64 = BitField.Set(AsUINT64, 3, value);
            }

            internal bool SetPageTableBits
            {
                readonly get => BitField.Get(AsUINT64, 4);
                set => AsUINT64 = BitField.Set(AsUINT64, 4, value);
            }

            internal bool EnforceSmap
            {
                readonly get => BitField.Get(AsUINT64, 8);
                set => AsUINT64 = BitField.Set(AsUINT64, 8, value);
            }

            internal bool OverrideSmap
            {
                readonly get => BitField.Get(AsUINT64, 9);
                set => AsUINT64 = BitField.Set(AsUINT64, 9, value);
            }

            internal byte InputVtl
            {
                readonly get => (byte)BitField.Get(AsUINT64, 56, 8);
                set => AsUINT64 = BitField.Set(AsUINT64, 56, 8, value);
            }
        }
    }
}

using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Value of WHvX64RegisterNestedGuestState (WinHvPlatformDefs.h lines 1179-1194).</summary>
        /// <remarks><see cref="StateBits"/>: NestedVirtActive 0, NestedGuestMode 1, VmEntryPending 2.</remarks>
        [StructLayout(LayoutKind.Explicit, Size = 16)]
        internal struct WHV_X64_NESTED_GUEST_STATE
        {
            [FieldOffset(0)]
            internal ulong StateBits;

            [FieldOffset(8)]
            internal ulong Reserved1;

            [FieldOffset(0)]
            internal WHV_UINT128 AsUINT128;

            internal bool NestedVirtActive
            {
                readonly get => BitField.Get(StateBits, 0);
                set => StateBits = BitField.Set(StateBits, 0, value);
            }

            internal bool NestedGuestMode
            {
                readonly get => BitField.Get(StateBits, 1);
                set => StateBits = BitField.Set(StateBits, 1, value);
            }

            internal bool VmEntryPending
            {
                readonly get => BitField.Get(StateBits, 2);
                set => StateBits = BitField.Set(StateBits, 2, value);
            }
        }
    }
}

using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>A guest write that signals an event instead of exiting (WinHvPlatformDefs.h lines 3548-3558).</summary>
        /// <remarks><see cref="Flags"/> holds MatchOnValue 0 and MatchOnLength 1.</remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_DOORBELL_MATCH_DATA
        {
            internal ulong GuestAddress;
            internal ulong Value;
            internal uint Length;
            internal uint Flags;

            internal bool MatchOnValue
            {
                readonly get => BitField.Get(Flags, 0);
                set => Flags = (uint)BitField.Set(Flags, 0, value);
            }

            internal bool MatchOnLength
            {
                readonly get => BitField.Get(Flags, 1);
                set => Flags = (uint)BitField.Set(Flags, 1, value);
            }
        }
    }
}

using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>First of the four pending-event registers that describe a nested SVM #VMEXIT (WinHvPlatformDefs.h lines 1050-1064).</summary>
        /// <remarks><see cref="EventHeader"/>: EventPending 0, EventType 4:1 (four bits here), Reserved0 7:5, InstructionBytesValid 8.</remarks>
        [StructLayout(LayoutKind.Explicit, Size = 16)]
        internal struct WHV_X64_PENDING_SVM_NESTED_EXIT_EVENT0
        {
            [FieldOffset(0)]
            internal ulong EventHeader;

            [FieldOffset(8)]
            internal ulong ExitCode;

            [FieldOffset(0)]
            internal WHV_UINT128 AsUINT128;

            internal bool EventPending
            {
                readonly get => BitField.Get(EventHeader, 0);
                set => EventHeader = BitField.Set(EventHeader, 0, value);
            }

            internal WHV_X64_PENDING_EVENT_TYPE EventType
            {
                readonly get => (WHV_X64_PENDING_EVENT_TYPE)BitField.Get(EventHeader, 1, 4);
                set => EventHeader = BitField.Set(EventHeader, 1, 4, (ulong)value);
            }

            internal bool InstructionBytesValid
            {
                readonly get => BitField.Get(EventHeader, 8);
                set => EventHeader = BitField.Set(EventHeader, 8, value);
            }
        }
    }
}

using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>A segment register with its hidden part (WinHvPlatformDefs.h lines 930-955).</summary>
        /// <remarks>
        /// <see cref="Attributes"/> is the header's anonymous bitfield union: SegmentType 3:0,
        /// NonSystemSegment 4, DescriptorPrivilegeLevel 6:5, Present 7, Reserved 11:8, Available 12,
        /// Long 13, Default 14, Granularity 15 - the descriptor's access byte and flags nibble, as in the
        /// VMX access-rights field without its "unusable" bit 16.
        /// </remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_X64_SEGMENT_REGISTER
        {
            internal ulong Base;
            internal uint Limit;
            internal ushort Selector;
            internal ushort Attributes;

            internal byte SegmentType
            {
                readonly get => (byte)BitField.Get(Attributes, 0, 4);
                set => Attributes = (ushort)BitField.Set(Attributes, 0, 4, value);
            }

            internal bool NonSystemSegment
            {
                readonly get => BitField.Get(Attributes, 4);
                set => Attributes = (ushort)BitField.Set(Attributes, 4, value);
            }

            internal byte DescriptorPrivilegeLevel
            {
                readonly get => (byte)BitField.Get(Attributes, 5, 2);
                set => Attributes = (ushort)BitField.Set(Attributes, 5, 2, value);
            }

            internal bool Present
            {
                readonly get => BitField.Get(Attributes, 7);
                set => Attributes = (ushort)BitField.Set(Attributes, 7, value);
            }

            internal bool Available
            {
                readonly get => BitField.Get(Attributes, 12);
                set => Attributes = (ushort)BitField.Set(Attributes, 12, value);
            }

            internal bool Long
            {
                readonly get => BitField.Get(Attributes, 13);
                set => Attributes = (ushort)BitField.Set(Attributes, 13, value);
            }

            internal bool Default
            {
                readonly get => BitField.Get(Attributes, 14);
                set => Attributes = (ushort)BitField.Set(Attributes, 14, value);
            }

            internal bool Granularity
            {
                readonly get => BitField.Get(Attributes, 15);
                set => Attributes = (ushort)BitField.Set(Attributes, 15, value);
            }
        }
    }
}

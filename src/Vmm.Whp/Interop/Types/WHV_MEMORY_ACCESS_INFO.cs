using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Access details of a memory-access exit (WinHvPlatformDefs.h lines 2942-2954).</summary>
        /// <remarks>AccessType 1:0 (WHV_MEMORY_ACCESS_TYPE), GpaUnmapped 2, GvaValid 3.</remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_MEMORY_ACCESS_INFO
        {
            internal uint AsUINT32;

            internal WHV_MEMORY_ACCESS_TYPE AccessType
            {
                readonly get => (WHV_MEMORY_ACCESS_TYPE)BitField.Get(AsUINT32, 0, 2);
                set => AsUINT32 = (uint)BitField.Set(AsUINT32, 0, 2, (ulong)value);
            }

            /// <summary>Bit 2: no mapping covers the GPA (MMIO), as opposed to a mapping without the needed right.</summary>
            internal bool GpaUnmapped
            {
                readonly get => BitField.Get(AsUINT32, 2);
                set => AsUINT32 = (uint)BitField.Set(AsUINT32, 2, value);
            }

            /// <summary>Bit 3: <c>Gva</c> of the context holds the guest virtual address.</summary>
            internal bool GvaValid
            {
                readonly get => BitField.Get(AsUINT32, 3);
                set => AsUINT32 = (uint)BitField.Set(AsUINT32, 3, value);
            }
        }
    }
}

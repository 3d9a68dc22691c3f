using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Result of WHvCapabilityCodeFeatures (WinHvPlatformDefs.h lines 1449-1483, x64 layout).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_CAPABILITY_FEATURES
        {
            internal ulong AsUINT64;

            /// <summary>Bit 0: WHvUnmapGpaRange may unmap part of a mapped range.</summary>
            internal bool PartialUnmap
            {
                readonly get => BitField.Get(AsUINT64, 0);
                set => AsUINT64 = BitField.Set(AsUINT64, 0, value);
            }

            /// <summary>Bit 1: the hypervisor can emulate the local APIC (LocalApicEmulationMode).</summary>
            internal bool LocalApicEmulation
            {
                readonly get => BitField.Get(AsUINT64, 1);
                set => AsUINT64 = BitField.Set(AsUINT64, 1, value);
            }

            internal bool Xsave
            {
                readonly get => BitField.Get(AsUINT64, 2);
                set => AsUINT64 = BitField.Set(AsUINT64, 2, value);
            }

            internal bool DirtyPageTracking
            {
                readonly get => BitField.Get(AsUINT64, 3);
                set => AsUINT64 = BitField.Set(AsUINT64, 3, value);
            }

            internal bool SpeculationControl
            {
                readonly get => BitField.Get(AsUINT64, 4);
                set => AsUINT64 = BitField.Set(AsUINT64, 4, value);
            }

            internal bool ApicRemoteRead
            {
                readonly get => BitField.Get(AsUINT64, 5);
                set => AsUINT64 = BitField.Set(AsUINT64, 5, value);
            }

            internal bool IdleSuspend
            {
                readonly get => BitField.Get(AsUINT64, 6);
                set => AsUINT64 = BitField.Set(AsUINT64, 6, value);
            }

            internal bool VirtualPciDeviceSupport
            {
                readonly get => BitField.Get(AsUINT64, 7);
                set => AsUINT64 = BitField.Set(AsUINT64, 7, value);
            }

            internal bool IommuSupport
            {
                readonly get => BitField.Get(AsUINT64, 8);
                set => AsUINT64 = BitField.Set(AsUINT64, 8, value);
            }

            internal bool VpHotAddRemove
            {
                readonly get => BitField.Get(AsUINT64, 9);
                set => AsUINT64 = BitField.Set(AsUINT64, 9, value);
            }

            internal bool DeviceAccessTracking
            {
                readonly get => BitField.Get(AsUINT64, 10);
                set => AsUINT64 = BitField.Set(AsUINT64, 10, value);
            }
        }
    }
}

using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Input of WHvRequestInterrupt (WinHvPlatformDefs.h lines 3493-3504, x64 layout).</summary>
        /// <remarks>
        /// <see cref="Control"/> holds the header's anonymous bitfields: Type 7:0, DestinationMode 11:8,
        /// TriggerMode 15:12, TargetVtl 23:16, Reserved 63:24. Only meaningful when the hypervisor emulates
        /// the local APIC (LocalApicEmulationMode other than None).
        /// </remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_INTERRUPT_CONTROL
        {
            internal ulong Control;
            internal uint Destination;
            internal uint Vector;

            internal WHV_INTERRUPT_TYPE Type
            {
                readonly get => (WHV_INTERRUPT_TYPE)BitField.Get(Control, 0, 8);
                set => Control = BitField.Set(Control, 0, 8, (ulong)value);
            }

            internal WHV_INTERRUPT_DESTINATION_MODE DestinationMode
            {
                readonly get => (WHV_INTERRUPT_DESTINATION_MODE)BitField.Get(Control, 8, 4);
                set => Control = BitField.Set(Control, 8, 4, (ulong)value);
            }

            internal WHV_INTERRUPT_TRIGGER_MODE TriggerMode
            {
                readonly get => (WHV_INTERRUPT_TRIGGER_MODE)BitField.Get(Control, 12, 4);
                set => Control = BitField.Set(Control, 12, 4, (ulong)value);
            }

            internal byte TargetVtl
            {
                readonly get => (byte)BitField.Get(Control, 16, 8);
                set => Control = BitField.Set(Control, 16, 8, value);
            }
        }
    }
}

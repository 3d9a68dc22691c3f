using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>What a trigger delivers when signalled (WinHvPlatformDefs.h lines 4244-4264).</summary>
        /// <remarks>The union at offset 8 is selected by <see cref="TriggerType"/>.</remarks>
        [StructLayout(LayoutKind.Explicit, Size = 32)]
        internal struct WHV_TRIGGER_PARAMETERS
        {
            [FieldOffset(0)]
            internal WHV_TRIGGER_TYPE TriggerType;

            [FieldOffset(4)]
            internal uint Reserved;

            [FieldOffset(8)]
            internal WHV_INTERRUPT_CONTROL Interrupt;

            [FieldOffset(8)]
            internal WHV_SYNIC_EVENT_PARAMETERS SynicEvent;

            [FieldOffset(8)]
            internal DeviceInterruptParameters DeviceInterrupt;

            /// <summary>The header's anonymous <c>DeviceInterrupt</c> struct: an MSI for a virtual PCI device.</summary>
            [StructLayout(LayoutKind.Sequential)]
            internal struct DeviceInterruptParameters
            {
                internal ulong LogicalDeviceId;
                internal ulong MsiAddress;
                internal uint MsiData;
                internal uint Reserved;
            }
        }
    }
}

using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Result of WHvCapabilityCodeProcessorFrequencyCap (WinHvPlatformDefs.h lines 2575-2585).</summary>
        /// <remarks><see cref="Flags"/> is the header's IsSupported:1 / Reserved:31 bitfield.</remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_CAPABILITY_PROCESSOR_FREQUENCY_CAP
        {
            internal uint Flags;
            internal uint HighestFrequencyMhz;
            internal uint NominalFrequencyMhz;
            internal uint LowestFrequencyMhz;
            internal uint FrequencyStepMhz;

            internal bool IsSupported
            {
                readonly get => BitField.Get(Flags, 0);
                set => Flags = (uint)BitField.Set(Flags, 0, value);
            }
        }
    }
}

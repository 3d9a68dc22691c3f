using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Synthetic processor feature banks (WinHvPlatformDefs.h lines 2080-2097).</summary>
        /// <remarks>
        /// The caller sets <see cref="BanksCount"/> to <see cref="WHV_SYNTHETIC_PROCESSOR_FEATURES_BANKS_COUNT"/>.
        /// The header also overlays Bank0 with a one-element UINT64 array (AsUINT64); Bank0.AsUINT64 is the same word.
        /// </remarks>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_SYNTHETIC_PROCESSOR_FEATURES_BANKS
        {
            internal uint BanksCount;
            internal uint Reserved0;
            internal WHV_SYNTHETIC_PROCESSOR_FEATURES Bank0;
        }

        /// <summary>Number of banks in WHV_SYNTHETIC_PROCESSOR_FEATURES_BANKS (WinHvPlatformDefs.h line 2080).</summary>
        internal const uint WHV_SYNTHETIC_PROCESSOR_FEATURES_BANKS_COUNT = 1;
    }
}

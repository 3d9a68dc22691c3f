using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Creates VP <paramref name="vpIndex"/> (WinHvPlatform.h line 162). <paramref name="flags"/> must be 0.</summary>
        [LibraryImport(Libraries.WinHvPlatform)]
        [SupportedOSPlatform("windows")]
        internal static partial int WHvCreateVirtualProcessor(SafeWhvPartitionHandle partition, uint vpIndex, uint flags);

        /// <summary>Deletes VP <paramref name="vpIndex"/> (WinHvPlatform.h line 179).</summary>
        [LibraryImport(Libraries.WinHvPlatform)]
        [SupportedOSPlatform("windows")]
        internal static partial int WHvDeleteVirtualProcessor(SafeWhvPartitionHandle partition, uint vpIndex);

        /// <summary>Runs the VP until the next exit (WinHvPlatform.h line 186); blocks the calling thread meanwhile.</summary>
        /// <remarks>
        /// Pass <c>sizeof(WHV_RUN_VP_EXIT_CONTEXT)</c> (224) as <paramref name="exitContextSizeInBytes"/>.
        /// A failing HRESULT here is a platform failure, not a guest event: guest events arrive as exit reasons.
        /// </remarks>
        [LibraryImport(Libraries.WinHvPlatform)]
        [SupportedOSPlatform("windows")]
        internal static unsafe partial int WHvRunVirtualProcessor(
            SafeWhvPartitionHandle partition,
            uint vpIndex,
            WHV_RUN_VP_EXIT_CONTEXT* exitContext,
            uint exitContextSizeInBytes);

        /// <summary>
        /// Makes a running, or the next, WHvRunVirtualProcessor of the VP return with
        /// WHvRunVpExitReasonCanceled (WinHvPlatform.h line 195). Callable from any thread; <paramref name="flags"/> must be 0.
        /// </summary>
        [LibraryImport(Libraries.WinHvPlatform)]
        [SupportedOSPlatform("windows")]
        internal static partial int WHvCancelRunVirtualProcessor(SafeWhvPartitionHandle partition, uint vpIndex, uint flags);
    }
}

using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Walks the VP's guest page tables (WinHvPlatform.h line 147).</summary>
        /// <returns>
        /// An HRESULT for the call itself; whether the translation succeeded is in
        /// <paramref name="translationResult"/>. The walk does not flush or fill any TLB.
        /// </returns>
        [LibraryImport(Libraries.WinHvPlatform)]
        [SupportedOSPlatform("windows")]
        internal static unsafe partial int WHvTranslateGva(
            SafeWhvPartitionHandle partition,
            uint vpIndex,
            ulong gva,
            WHV_TRANSLATE_GVA_FLAGS translateFlags,
            WHV_TRANSLATE_GVA_RESULT* translationResult,
            ulong* gpa);
    }
}

using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Result of WHvTranslateGva (WinHvPlatformDefs.h lines 2475-2481).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct WHV_TRANSLATE_GVA_RESULT
        {
            internal WHV_TRANSLATE_GVA_RESULT_CODE ResultCode;
            internal uint Reserved;
        }
    }
}

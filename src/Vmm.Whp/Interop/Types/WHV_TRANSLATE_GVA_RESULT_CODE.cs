namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Outcome of WHvTranslateGva (WinHvPlatformDefs.h lines 2455-2470).</summary>
        internal enum WHV_TRANSLATE_GVA_RESULT_CODE
        {
            WHvTranslateGvaResultSuccess = 0,

            // The guest page tables do not allow the access.
            WHvTranslateGvaResultPageNotPresent = 1,
            WHvTranslateGvaResultPrivilegeViolation = 2,
            WHvTranslateGvaResultInvalidPageTableFlags = 3,

            // The guest physical address is not accessible.
            WHvTranslateGvaResultGpaUnmapped = 4,
            WHvTranslateGvaResultGpaNoReadAccess = 5,
            WHvTranslateGvaResultGpaNoWriteAccess = 6,
            WHvTranslateGvaResultGpaIllegalOverlayAccess = 7,
            WHvTranslateGvaResultIntercept = 8,
        }
    }
}

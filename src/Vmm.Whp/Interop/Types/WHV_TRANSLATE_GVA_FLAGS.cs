namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Checks and side effects requested from WHvTranslateGva (WinHvPlatformDefs.h lines 2400-2414, x64 members).</summary>
        [Flags]
        internal enum WHV_TRANSLATE_GVA_FLAGS : uint
        {
            WHvTranslateGvaFlagNone = 0x00000000,
            WHvTranslateGvaFlagValidateRead = 0x00000001,
            WHvTranslateGvaFlagValidateWrite = 0x00000002,
            WHvTranslateGvaFlagValidateExecute = 0x00000004,
            WHvTranslateGvaFlagPrivilegeExempt = 0x00000008,
            WHvTranslateGvaFlagSetPageTableBits = 0x00000010,
            WHvTranslateGvaFlagEnforceSmap = 0x00000100,
            WHvTranslateGvaFlagOverrideSmap = 0x00000200,
        }
    }
}

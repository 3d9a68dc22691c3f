namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Flags of a WHV_X64_CPUID_RESULT2 entry (WinHvPlatformDefs.h lines 2652-2656).</summary>
        [Flags]
        internal enum WHV_X64_CPUID_RESULT2_FLAGS : uint
        {
            WHvX64CpuidResult2FlagSubleafSpecific = 0x00000001,
            WHvX64CpuidResult2FlagVpSpecific = 0x00000002,
        }
    }
}

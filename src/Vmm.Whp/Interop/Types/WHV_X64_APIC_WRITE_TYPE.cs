namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>APIC register whose write caused an X64ApicWriteTrap exit, by its xAPIC offset (WinHvPlatformDefs.h lines 3395-3402).</summary>
        internal enum WHV_X64_APIC_WRITE_TYPE
        {
            WHvX64ApicWriteTypeLdr = 0xD0,
            WHvX64ApicWriteTypeDfr = 0xE0,
            WHvX64ApicWriteTypeSvr = 0xF0,
            WHvX64ApicWriteTypeLint0 = 0x350,
            WHvX64ApicWriteTypeLint1 = 0x360,
        }
    }
}

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Properties accepted by WHvCreateVirtualProcessor2 (WinHvPlatformDefs.h lines 4268-4271).</summary>
        internal enum WHV_VIRTUAL_PROCESSOR_PROPERTY_CODE
        {
            WHvVirtualProcessorPropertyCodeNumaNode = 0x00000000,
        }
    }
}

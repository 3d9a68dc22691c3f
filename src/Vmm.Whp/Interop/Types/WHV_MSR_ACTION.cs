namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>What the hypervisor does with an MSR access (WinHvPlatformDefs.h lines 2701-2706).</summary>
        internal enum WHV_MSR_ACTION
        {
            /// <summary>Architectural behaviour: #GP for an unimplemented MSR.</summary>
            WHvMsrActionArchitectureDefault = 0,
            WHvMsrActionIgnoreWriteReadZero = 1,
            WHvMsrActionExit = 2,
        }
    }
}

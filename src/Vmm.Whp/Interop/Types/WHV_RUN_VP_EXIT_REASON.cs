namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Why WHvRunVirtualProcessor returned (WinHvPlatformDefs.h lines 2834-2861, x64).</summary>
        internal enum WHV_RUN_VP_EXIT_REASON
        {
            WHvRunVpExitReasonNone = 0x00000000,

            // Exits every partition can take.
            WHvRunVpExitReasonMemoryAccess = 0x00000001,
            WHvRunVpExitReasonX64IoPortAccess = 0x00000002,
            WHvRunVpExitReasonUnrecoverableException = 0x00000004,
            WHvRunVpExitReasonInvalidVpRegisterValue = 0x00000005,
            WHvRunVpExitReasonUnsupportedFeature = 0x00000006,
            WHvRunVpExitReasonX64InterruptWindow = 0x00000007,
            WHvRunVpExitReasonX64Halt = 0x00000008,
            WHvRunVpExitReasonX64ApicEoi = 0x00000009,
            WHvRunVpExitReasonSynicSintDeliverable = 0x0000000A,

            // Exits enabled through WHV_EXTENDED_VM_EXITS.
            WHvRunVpExitReasonX64MsrAccess = 0x00001000,
            WHvRunVpExitReasonX64Cpuid = 0x00001001,
            WHvRunVpExitReasonException = 0x00001002,
            WHvRunVpExitReasonX64Rdtsc = 0x00001003,
            WHvRunVpExitReasonX64ApicSmiTrap = 0x00001004,
            WHvRunVpExitReasonHypercall = 0x00001005,
            WHvRunVpExitReasonX64ApicInitSipiTrap = 0x00001006,
            WHvRunVpExitReasonX64ApicWriteTrap = 0x00001007,

            // Exits requested by the host.
            WHvRunVpExitReasonCanceled = 0x00002001,
        }
    }
}

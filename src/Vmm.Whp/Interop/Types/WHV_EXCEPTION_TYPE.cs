namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>Exception vectors, as used by ExceptionExitBitmap bit numbers and exception exits (WinHvPlatformDefs.h lines 2711-2731).</summary>
        internal enum WHV_EXCEPTION_TYPE
        {
            WHvX64ExceptionTypeDivideErrorFault = 0x0,
            WHvX64ExceptionTypeDebugTrapOrFault = 0x1,
            WHvX64ExceptionTypeBreakpointTrap = 0x3,
            WHvX64ExceptionTypeOverflowTrap = 0x4,
            WHvX64ExceptionTypeBoundRangeFault = 0x5,
            WHvX64ExceptionTypeInvalidOpcodeFault = 0x6,
            WHvX64ExceptionTypeDeviceNotAvailableFault = 0x7,
            WHvX64ExceptionTypeDoubleFaultAbort = 0x8,
            WHvX64ExceptionTypeInvalidTaskStateSegmentFault = 0x0A,
            WHvX64ExceptionTypeSegmentNotPresentFault = 0x0B,
            WHvX64ExceptionTypeStackFault = 0x0C,
            WHvX64ExceptionTypeGeneralProtectionFault = 0x0D,
            WHvX64ExceptionTypePageFault = 0x0E,
            WHvX64ExceptionTypeFloatingPointErrorFault = 0x10,
            WHvX64ExceptionTypeAlignmentCheckFault = 0x11,
            WHvX64ExceptionTypeMachineCheckAbort = 0x12,
            WHvX64ExceptionTypeSimdFloatingPointFault = 0x13,
            WHvX64ExceptionTypeControlProtectionFault = 0x15,
        }
    }
}

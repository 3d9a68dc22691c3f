using System.Runtime.InteropServices;

namespace Vmm.Whp;

internal static partial class Interop
{
    internal static partial class WinHvPlatform
    {
        /// <summary>One register value: a 16-byte union over every register format (WinHvPlatformDefs.h lines 1351-1385).</summary>
        /// <remarks>
        /// Arrays of this type passed to WHvGet/SetVirtualProcessorRegisters must be 16-byte aligned, because
        /// the header aligns the union through its WHV_UINT128 member; the CLR only guarantees 8. Narrow
        /// members (<see cref="Reg64"/> and smaller) share the low bytes; writers should start from a zeroed
        /// value so the unused upper bytes are zero.
        /// </remarks>
        [StructLayout(LayoutKind.Explicit, Size = 16)]
        internal struct WHV_REGISTER_VALUE
        {
            [FieldOffset(0)]
            internal WHV_UINT128 Reg128;

            [FieldOffset(0)]
            internal ulong Reg64;

            [FieldOffset(0)]
            internal uint Reg32;

            [FieldOffset(0)]
            internal ushort Reg16;

            [FieldOffset(0)]
            internal byte Reg8;

            [FieldOffset(0)]
            internal WHV_INTERNAL_ACTIVITY_REGISTER InternalActivity;

            [FieldOffset(0)]
            internal WHV_DELIVERABILITY_NOTIFICATIONS_REGISTER DeliverabilityNotifications;

            [FieldOffset(0)]
            internal WHV_X64_FP_REGISTER Fp;

            [FieldOffset(0)]
            internal WHV_X64_FP_CONTROL_STATUS_REGISTER FpControlStatus;

            [FieldOffset(0)]
            internal WHV_X64_XMM_CONTROL_STATUS_REGISTER XmmControlStatus;

            [FieldOffset(0)]
            internal WHV_X64_SEGMENT_REGISTER Segment;

            [FieldOffset(0)]
            internal WHV_X64_TABLE_REGISTER Table;

            [FieldOffset(0)]
            internal WHV_X64_INTERRUPT_STATE_REGISTER InterruptState;

            [FieldOffset(0)]
            internal WHV_X64_PENDING_INTERRUPTION_REGISTER PendingInterruption;

            [FieldOffset(0)]
            internal WHV_X64_PENDING_EXCEPTION_EVENT ExceptionEvent;

            [FieldOffset(0)]
            internal WHV_X64_PENDING_EXT_INT_EVENT ExtIntEvent;

            [FieldOffset(0)]
            internal WHV_X64_PENDING_DEBUG_EXCEPTION PendingDebugException;

            [FieldOffset(0)]
            internal WHV_X64_NESTED_GUEST_STATE NestedState;

            [FieldOffset(0)]
            internal WHV_X64_NESTED_INVEPT_REGISTER InvEpt;

            [FieldOffset(0)]
            internal WHV_X64_NESTED_INVVPID_REGISTER InvVpid;

            [FieldOffset(0)]
            internal WHV_X64_PENDING_SVM_NESTED_EXIT_EVENT0 SvmNestedExit0;

            [FieldOffset(0)]
            internal WHV_X64_PENDING_SVM_NESTED_EXIT_EVENT1 SvmNestedExit1;

            [FieldOffset(0)]
            internal WHV_X64_PENDING_SVM_NESTED_EXIT_EVENT2 SvmNestedExit2;

            [FieldOffset(0)]
            internal WHV_X64_PENDING_SVM_NESTED_EXIT_EVENT3 SvmNestedExit3;

            [FieldOffset(0)]
            internal WHV_X64_PENDING_VMX_NESTED_EXIT_EVENT0 VmxNestedExit0;

            [FieldOffset(0)]
            internal WHV_X64_PENDING_VMX_NESTED_EXIT_EVENT1 VmxNestedExit1;

            [FieldOffset(0)]
            internal WHV_X64_PENDING_VMX_NESTED_EXIT_EVENT2 VmxNestedExit2;
        }
    }
}

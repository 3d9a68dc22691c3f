using static Vmm.Whp.Interop.WinHvPlatform;

namespace Vmm.Whp;

/// <summary>
/// Builds the WHvRegisterPendingEvent value that makes the hypervisor deliver an exception at the next
/// entry (docs/whp.md#registers: EventPending bit 0, EventType 3:1 = Exception 0, DeliverErrorCode bit 8,
/// Vector 31:16, ErrorCode at byte 4, ExceptionParameter at byte 8).
/// </summary>
/// <remarks>
/// A fault reports the faulting instruction, so callers leave RIP at the instruction (no advance), exactly
/// as KVM_SET_VCPU_EVENTS / kvm_run.msr.error do in the KVM backend.
/// </remarks>
internal static class WhpPendingException
{
    /// <summary>The register that carries the event.</summary>
    internal const WHV_REGISTER_NAME Register = WHV_REGISTER_NAME.WHvRegisterPendingEvent;

    /// <summary>#UD: no error code (SDM Vol. 3A, Table 6-1).</summary>
    internal static WHV_REGISTER_VALUE InvalidOpcode() => Create(Core.Registers.X86Constants.VectorInvalidOpcode, hasErrorCode: false, 0, 0);

    /// <summary>#GP(0), what RDMSR/WRMSR raise for an MSR that faults (SDM Vol. 2B RDMSR).</summary>
    internal static WHV_REGISTER_VALUE GeneralProtection(uint errorCode = 0) => Create(Core.Registers.X86Constants.VectorGeneralProtection, hasErrorCode: true, errorCode, 0);

    /// <summary>Any exception.</summary>
    internal static WHV_REGISTER_VALUE Create(byte vector, bool hasErrorCode, uint errorCode, ulong parameter)
    {
        var e = default(WHV_X64_PENDING_EXCEPTION_EVENT);
        e.EventPending = true;
        e.EventType = WHV_X64_PENDING_EVENT_TYPE.WHvX64PendingEventException;
        e.DeliverErrorCode = hasErrorCode;
        e.Vector = vector;
        e.ErrorCode = hasErrorCode ? errorCode : 0;
        e.ExceptionParameter = parameter;
        return new WHV_REGISTER_VALUE { ExceptionEvent = e };
    }
}

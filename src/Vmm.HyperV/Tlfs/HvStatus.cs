namespace Vmm.HyperV.Tlfs;

/// <summary>
/// HV_STATUS: the 16-bit result field of a hypercall result value (bits 15:0 of RAX).
/// </summary>
/// <remarks>
/// Names follow TLFS <c>datatypes/hv_status.md</c> (HV_STATUS_INVALID_HYPERCALL_CODE → <see cref="InvalidHypercallCode"/>);
/// the TLFS page lists names only, the numeric values are those of docs/hyperv.md#status-codes. REQ's
/// HV_STATUS_NOT_IMPLEMENTED has no known value and is deliberately absent: unknown call codes answer
/// <see cref="InvalidHypercallCode"/> (docs/hyperv.md#status-codes).
/// </remarks>
public enum HvStatus : ushort
{
    /// <summary>HV_STATUS_SUCCESS: no error condition was detected.</summary>
    Success = 0x0,

    /// <summary>HV_STATUS_INVALID_HYPERCALL_CODE: the call code is not recognised.</summary>
    InvalidHypercallCode = 0x2,

    /// <summary>
    /// HV_STATUS_INVALID_HYPERCALL_INPUT: wrong rep count for the call class, rep start index not below the rep
    /// count, a reserved control bit set, or a variable header on a call that takes none (docs/hyperv.md#input-rules).
    /// </summary>
    InvalidHypercallInput = 0x3,

    /// <summary>HV_STATUS_INVALID_ALIGNMENT: an input/output GPA not 8-byte aligned, or a block crossing a page (docs/hyperv.md#input-rules).</summary>
    InvalidAlignment = 0x4,

    /// <summary>HV_STATUS_INVALID_PARAMETER.</summary>
    InvalidParameter = 0x5,

    /// <summary>HV_STATUS_ACCESS_DENIED: the partition lacks the privilege for the call.</summary>
    AccessDenied = 0x6,

    /// <summary>HV_STATUS_INVALID_PARTITION_STATE.</summary>
    InvalidPartitionState = 0x7,

    /// <summary>HV_STATUS_OPERATION_DENIED.</summary>
    OperationDenied = 0x8,

    /// <summary>HV_STATUS_UNKNOWN_PROPERTY.</summary>
    UnknownProperty = 0x9,

    /// <summary>HV_STATUS_PROPERTY_VALUE_OUT_OF_RANGE.</summary>
    PropertyValueOutOfRange = 0xA,

    /// <summary>HV_STATUS_INSUFFICIENT_MEMORY.</summary>
    InsufficientMemory = 0xB,

    /// <summary>HV_STATUS_INVALID_PARTITION_ID.</summary>
    InvalidPartitionId = 0xD,

    /// <summary>HV_STATUS_INVALID_VP_INDEX.</summary>
    InvalidVpIndex = 0xE,

    /// <summary>HV_STATUS_NOT_FOUND.</summary>
    NotFound = 0x10,

    /// <summary>HV_STATUS_INVALID_PORT_ID.</summary>
    InvalidPortId = 0x11,

    /// <summary>HV_STATUS_INVALID_CONNECTION_ID.</summary>
    InvalidConnectionId = 0x12,

    /// <summary>HV_STATUS_INSUFFICIENT_BUFFERS.</summary>
    InsufficientBuffers = 0x13,

    /// <summary>HV_STATUS_NOT_ACKNOWLEDGED.</summary>
    NotAcknowledged = 0x14,

    /// <summary>HV_STATUS_INVALID_VP_STATE.</summary>
    InvalidVpState = 0x15,

    /// <summary>HV_STATUS_NO_RESOURCES.</summary>
    NoResources = 0x1D,

    /// <summary>HV_STATUS_PROCESSOR_FEATURE_NOT_SUPPORTED.</summary>
    ProcessorFeatureNotSupported = 0x20,

    /// <summary>HV_STATUS_INVALID_LP_INDEX.</summary>
    InvalidLpIndex = 0x41,

    /// <summary>HV_STATUS_INVALID_REGISTER_VALUE.</summary>
    InvalidRegisterValue = 0x50,

    /// <summary>HV_STATUS_OPERATION_FAILED.</summary>
    OperationFailed = 0x71,

    /// <summary>HV_STATUS_TIME_OUT.</summary>
    TimeOut = 0x78,

    /// <summary>HV_STATUS_CALL_PENDING.</summary>
    CallPending = 0x79,

    /// <summary>HV_STATUS_VTL_ALREADY_ENABLED.</summary>
    VtlAlreadyEnabled = 0x86,
}

using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using Vmm.Core.Hypervisor;

namespace Vmm.Whp;

/// <summary>
/// The HRESULTs WinHvPlatform returns, their names, and the check that turns a failing one into a
/// <see cref="HypervisorException"/> carrying the WHv function name and the HRESULT.
/// </summary>
/// <remarks>
/// Values are winerror.h's (they are not in the WHP headers or docs; cross-checked against the
/// golang.org/x/sys/windows transcription of winerror.h, see docs/whp.md#functions). Besides its own
/// WHV_E_* codes (facility 0x37), WHP passes hypervisor failures through as ERROR_HV_* (0xC035xxxx, whose
/// low 16 bits are the TLFS HV_STATUS) and virtualization-driver failures as ERROR_VID_* (0xC037xxxx).
/// </remarks>
internal static class WhpResult
{
    internal const int S_OK = 0;

    // WHP's own errors, FACILITY_VIRTUALIZATION.
    internal const int WHV_E_UNKNOWN_CAPABILITY = unchecked((int)0x80370300);
    internal const int WHV_E_INSUFFICIENT_BUFFER = unchecked((int)0x80370301);
    internal const int WHV_E_UNKNOWN_PROPERTY = unchecked((int)0x80370302);
    internal const int WHV_E_UNSUPPORTED_HYPERVISOR_CONFIG = unchecked((int)0x80370303);
    internal const int WHV_E_INVALID_PARTITION_CONFIG = unchecked((int)0x80370304);
    internal const int WHV_E_GPA_RANGE_NOT_FOUND = unchecked((int)0x80370305);
    internal const int WHV_E_VP_ALREADY_EXISTS = unchecked((int)0x80370306);
    internal const int WHV_E_VP_DOES_NOT_EXIST = unchecked((int)0x80370307);
    internal const int WHV_E_INVALID_VP_STATE = unchecked((int)0x80370308);
    internal const int WHV_E_INVALID_VP_REGISTER_NAME = unchecked((int)0x80370309);
    internal const int WHV_E_UNSUPPORTED_PROCESSOR_CONFIG = unchecked((int)0x80370310);

    // Common COM and Win32 HRESULTs.
    internal const int E_NOTIMPL = unchecked((int)0x80004001);
    internal const int E_POINTER = unchecked((int)0x80004003);
    internal const int E_FAIL = unchecked((int)0x80004005);
    internal const int E_UNEXPECTED = unchecked((int)0x8000FFFF);
    internal const int E_ACCESSDENIED = unchecked((int)0x80070005);
    internal const int E_HANDLE = unchecked((int)0x80070006);
    internal const int E_OUTOFMEMORY = unchecked((int)0x8007000E);
    internal const int E_INVALIDARG = unchecked((int)0x80070057);

    /// <summary>HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED).</summary>
    internal const int E_NOT_SUPPORTED = unchecked((int)0x80070032);

    // Hypervisor failures passed through (facility 0x35; low word = HV_STATUS, docs/hyperv.md#status-codes).
    internal const int ERROR_HV_INVALID_PARAMETER = unchecked((int)0xC0350005);
    internal const int ERROR_HV_ACCESS_DENIED = unchecked((int)0xC0350006);
    internal const int ERROR_HV_INVALID_PARTITION_STATE = unchecked((int)0xC0350007);
    internal const int ERROR_HV_OPERATION_DENIED = unchecked((int)0xC0350008);
    internal const int ERROR_HV_INSUFFICIENT_MEMORY = unchecked((int)0xC035000B);
    internal const int ERROR_HV_INVALID_VP_INDEX = unchecked((int)0xC035000E);
    internal const int ERROR_HV_INVALID_VP_STATE = unchecked((int)0xC0350015);
    internal const int ERROR_HV_FEATURE_UNAVAILABLE = unchecked((int)0xC035001E);
    internal const int ERROR_HV_INVALID_REGISTER_VALUE = unchecked((int)0xC0350050);
    internal const int ERROR_HV_NOT_PRESENT = unchecked((int)0xC0351000);

    /// <summary>Virtualization-driver error seen when a second partition in one process maps memory (docs/design.md#thread-ownership).</summary>
    internal const int ERROR_VID_PARTITION_ALREADY_EXISTS = unchecked((int)0xC0370008);

    private const int FacilityWin32 = 0x7;
    private const int FacilityHypervisor = 0x35;

    /// <summary>True for S_OK, S_FALSE and every other non-negative HRESULT.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Succeeded(int hr) => hr >= 0;

    /// <summary>Throws a <see cref="HypervisorException"/> naming <paramref name="operation"/> if <paramref name="hr"/> is a failure.</summary>
    /// <param name="hr">The HRESULT a WHv function returned.</param>
    /// <param name="operation">The WHv function, e.g. <c>nameof(Interop.WinHvPlatform.WHvSetupPartition)</c>.</param>
    /// <exception cref="HypervisorException"><paramref name="hr"/> is negative.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ThrowIfFailed(int hr, string operation)
    {
        if (hr < 0)
        {
            Throw(hr, operation);
        }
    }

    /// <summary>Creates the exception <see cref="ThrowIfFailed"/> throws, for callers that need to wrap or defer it.</summary>
    internal static HypervisorException CreateException(int hr, string operation) =>
        new(FormatFailure(hr, operation), operation, hr);

    /// <summary>The winerror.h name of <paramref name="hr"/>, or null when it is not one this class knows.</summary>
    internal static string? GetName(int hr) => Lookup(hr).Name;

    /// <summary>
    /// A one-line description: name, hex value and meaning for known codes
    /// (<c>WHV_E_VP_DOES_NOT_EXIST (0x80370307): no virtual processor has this index</c>), and hex value
    /// plus what the facility reveals otherwise.
    /// </summary>
    internal static string Describe(int hr)
    {
        string hex = "0x" + hr.ToString("X8", CultureInfo.InvariantCulture);
        (string? name, string? meaning) = Lookup(hr);
        if (name is not null)
        {
            return $"{name} ({hex}): {meaning}";
        }

        int facility = (hr >> 16) & 0x7FF;
        int code = hr & 0xFFFF;
        return facility switch
        {
            FacilityWin32 when hr < 0 => $"HRESULT {hex} (Win32 error {code})",
            FacilityHypervisor when hr < 0 => $"HRESULT {hex} (hypervisor status 0x{code:X4})",
            _ => $"HRESULT {hex}",
        };
    }

    /// <summary>The exception message for a failed <paramref name="operation"/>.</summary>
    internal static string FormatFailure(int hr, string operation) => $"{operation} failed: {Describe(hr)}.";

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Throw(int hr, string operation) => throw CreateException(hr, operation);

    private static (string? Name, string? Meaning) Lookup(int hr) => hr switch
    {
        S_OK => ("S_OK", "success"),
        WHV_E_UNKNOWN_CAPABILITY => (nameof(WHV_E_UNKNOWN_CAPABILITY), "this Windows build does not know the capability code"),
        WHV_E_INSUFFICIENT_BUFFER => (nameof(WHV_E_INSUFFICIENT_BUFFER), "the buffer is too small for the requested data"),
        WHV_E_UNKNOWN_PROPERTY => (nameof(WHV_E_UNKNOWN_PROPERTY), "this Windows build does not know the partition property code"),
        WHV_E_UNSUPPORTED_HYPERVISOR_CONFIG => (nameof(WHV_E_UNSUPPORTED_HYPERVISOR_CONFIG), "the running hypervisor's configuration does not support the request"),
        WHV_E_INVALID_PARTITION_CONFIG => (nameof(WHV_E_INVALID_PARTITION_CONFIG), "the partition's properties are invalid or incomplete for this call (or can no longer change after setup)"),
        WHV_E_GPA_RANGE_NOT_FOUND => (nameof(WHV_E_GPA_RANGE_NOT_FOUND), "no mapping covers the guest physical range"),
        WHV_E_VP_ALREADY_EXISTS => (nameof(WHV_E_VP_ALREADY_EXISTS), "a virtual processor with this index already exists"),
        WHV_E_VP_DOES_NOT_EXIST => (nameof(WHV_E_VP_DOES_NOT_EXIST), "no virtual processor has this index"),
        WHV_E_INVALID_VP_STATE => (nameof(WHV_E_INVALID_VP_STATE), "the virtual processor's state does not allow this call"),
        WHV_E_INVALID_VP_REGISTER_NAME => (nameof(WHV_E_INVALID_VP_REGISTER_NAME), "a register name in the batch is not valid for this partition"),
        WHV_E_UNSUPPORTED_PROCESSOR_CONFIG => (nameof(WHV_E_UNSUPPORTED_PROCESSOR_CONFIG), "the processor configuration is not supported"),
        E_NOTIMPL => (nameof(E_NOTIMPL), "not implemented"),
        E_POINTER => (nameof(E_POINTER), "a required pointer is null"),
        E_FAIL => (nameof(E_FAIL), "unspecified failure"),
        E_UNEXPECTED => (nameof(E_UNEXPECTED), "unexpected failure"),
        E_ACCESSDENIED => (nameof(E_ACCESSDENIED), "access denied"),
        E_HANDLE => (nameof(E_HANDLE), "the handle is not valid"),
        E_OUTOFMEMORY => (nameof(E_OUTOFMEMORY), "not enough memory"),
        E_INVALIDARG => (nameof(E_INVALIDARG), "an argument is not valid"),
        E_NOT_SUPPORTED => ("HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED)", "the request is not supported"),
        ERROR_HV_INVALID_PARAMETER => (nameof(ERROR_HV_INVALID_PARAMETER), "the hypervisor rejected a parameter"),
        ERROR_HV_ACCESS_DENIED => (nameof(ERROR_HV_ACCESS_DENIED), "the hypervisor denied access"),
        ERROR_HV_INVALID_PARTITION_STATE => (nameof(ERROR_HV_INVALID_PARTITION_STATE), "the partition's state does not allow this call"),
        ERROR_HV_OPERATION_DENIED => (nameof(ERROR_HV_OPERATION_DENIED), "the hypervisor refused the operation"),
        ERROR_HV_INSUFFICIENT_MEMORY => (nameof(ERROR_HV_INSUFFICIENT_MEMORY), "the hypervisor is out of memory"),
        ERROR_HV_INVALID_VP_INDEX => (nameof(ERROR_HV_INVALID_VP_INDEX), "the virtual processor index is not valid"),
        ERROR_HV_INVALID_VP_STATE => (nameof(ERROR_HV_INVALID_VP_STATE), "the virtual processor's state does not allow this call"),
        ERROR_HV_FEATURE_UNAVAILABLE => (nameof(ERROR_HV_FEATURE_UNAVAILABLE), "the hypervisor feature is not available"),
        ERROR_HV_INVALID_REGISTER_VALUE => (nameof(ERROR_HV_INVALID_REGISTER_VALUE), "a register value is not valid"),
        ERROR_HV_NOT_PRESENT => (nameof(ERROR_HV_NOT_PRESENT), "no hypervisor is running"),
        ERROR_VID_PARTITION_ALREADY_EXISTS => (nameof(ERROR_VID_PARTITION_ALREADY_EXISTS), "another partition of this process already maps memory (one per process on some Windows builds)"),
        _ => (null, null),
    };
}

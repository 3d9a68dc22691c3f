using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using static Vmm.Whp.Interop.WinHvPlatform;

namespace Vmm.Whp;

/// <summary>
/// WinHvPlatform exports that not every supported Windows build has, resolved once at first use with
/// NativeLibrary instead of LibraryImport, so that a missing export is a capability to test for
/// (<c>Is...Supported</c>) rather than an EntryPointNotFoundException in the middle of a run.
/// </summary>
/// <remarks>
/// Every wrapper returns the HRESULT unchanged and throws <see cref="EntryPointNotFoundException"/> only if
/// called although its <c>Is...Supported</c> property is false, which is a bug in the caller. The partition
/// handle is held (DangerousAddRef) for the duration of each call, as the LibraryImport marshaller would.
/// </remarks>
// SAFETY: the class is unsafe because it stores and calls function pointers. Each pointer is either null or
// the address of the named WinHvPlatform export, cast to the signature WinHvPlatform.h gives it (HRESULT
// WINAPI, x64 ABI; blittable arguments only). Wrappers call a pointer only after checking it is non-null,
// and keep the partition handle referenced for the duration of the call. Pointer arguments are forwarded
// untouched: their validity and size are the caller's contract, as for the LibraryImport functions.
[SupportedOSPlatform("windows")]
internal static unsafe class WhpOptionalApis
{
    // The DLL exists only when the "Windows Hypervisor Platform" feature is enabled; it is never unloaded.
    // Must stay the first field: the initializers below run in textual order and read it.
    private static readonly nint s_library = LoadWinHvPlatform();

    private static readonly delegate* unmanaged[Stdcall]<nint, int> s_resetPartition =
        (delegate* unmanaged[Stdcall]<nint, int>)Resolve("WHvResetPartition");

    private static readonly delegate* unmanaged[Stdcall]<nint, int> s_suspendPartitionTime =
        (delegate* unmanaged[Stdcall]<nint, int>)Resolve("WHvSuspendPartitionTime");

    private static readonly delegate* unmanaged[Stdcall]<nint, int> s_resumePartitionTime =
        (delegate* unmanaged[Stdcall]<nint, int>)Resolve("WHvResumePartitionTime");

    private static readonly delegate* unmanaged[Stdcall]<nint, uint, WHV_VIRTUAL_PROCESSOR_STATE_TYPE, void*, uint, uint*, int> s_getVirtualProcessorState =
        (delegate* unmanaged[Stdcall]<nint, uint, WHV_VIRTUAL_PROCESSOR_STATE_TYPE, void*, uint, uint*, int>)Resolve("WHvGetVirtualProcessorState");

    private static readonly delegate* unmanaged[Stdcall]<nint, uint, WHV_VIRTUAL_PROCESSOR_STATE_TYPE, void*, uint, int> s_setVirtualProcessorState =
        (delegate* unmanaged[Stdcall]<nint, uint, WHV_VIRTUAL_PROCESSOR_STATE_TYPE, void*, uint, int>)Resolve("WHvSetVirtualProcessorState");

    private static readonly delegate* unmanaged[Stdcall]<nint, uint, void*, uint, uint*, int> s_getInterruptControllerState2 =
        (delegate* unmanaged[Stdcall]<nint, uint, void*, uint, uint*, int>)Resolve("WHvGetVirtualProcessorInterruptControllerState2");

    private static readonly delegate* unmanaged[Stdcall]<nint, uint, void*, uint, int> s_setInterruptControllerState2 =
        (delegate* unmanaged[Stdcall]<nint, uint, void*, uint, int>)Resolve("WHvSetVirtualProcessorInterruptControllerState2");

    private static readonly delegate* unmanaged[Stdcall]<nint, uint, uint, uint, WHV_CPUID_OUTPUT*, int> s_getVirtualProcessorCpuidOutput =
        (delegate* unmanaged[Stdcall]<nint, uint, uint, uint, WHV_CPUID_OUTPUT*, int>)Resolve("WHvGetVirtualProcessorCpuidOutput");

    private static readonly delegate* unmanaged[Stdcall]<nint, uint, WHV_PROCESSOR_COUNTER_SET, void*, uint, uint*, int> s_getVirtualProcessorCounters =
        (delegate* unmanaged[Stdcall]<nint, uint, WHV_PROCESSOR_COUNTER_SET, void*, uint, uint*, int>)Resolve("WHvGetVirtualProcessorCounters");

    private static readonly delegate* unmanaged[Stdcall]<nint, WHV_PARTITION_COUNTER_SET, void*, uint, uint*, int> s_getPartitionCounters =
        (delegate* unmanaged[Stdcall]<nint, WHV_PARTITION_COUNTER_SET, void*, uint, uint*, int>)Resolve("WHvGetPartitionCounters");

    private static readonly delegate* unmanaged[Stdcall]<nint, ulong, ulong, ulong*, uint, int> s_queryGpaRangeDirtyBitmap =
        (delegate* unmanaged[Stdcall]<nint, ulong, ulong, ulong*, uint, int>)Resolve("WHvQueryGpaRangeDirtyBitmap");

    private static readonly delegate* unmanaged[Stdcall]<nint, WHV_SYNIC_EVENT_PARAMETERS, int*, int> s_signalVirtualProcessorSynicEvent =
        (delegate* unmanaged[Stdcall]<nint, WHV_SYNIC_EVENT_PARAMETERS, int*, int>)Resolve("WHvSignalVirtualProcessorSynicEvent");

    private static readonly delegate* unmanaged[Stdcall]<nint, WHV_DOORBELL_MATCH_DATA*, nint, int> s_registerPartitionDoorbellEvent =
        (delegate* unmanaged[Stdcall]<nint, WHV_DOORBELL_MATCH_DATA*, nint, int>)Resolve("WHvRegisterPartitionDoorbellEvent");

    private static readonly delegate* unmanaged[Stdcall]<nint, WHV_DOORBELL_MATCH_DATA*, int> s_unregisterPartitionDoorbellEvent =
        (delegate* unmanaged[Stdcall]<nint, WHV_DOORBELL_MATCH_DATA*, int>)Resolve("WHvUnregisterPartitionDoorbellEvent");

    /// <summary>True when WinHvPlatform.dll could be loaded, i.e. the Windows feature is enabled.</summary>
    internal static bool IsWinHvPlatformPresent => s_library != 0;

    internal static bool IsResetPartitionSupported => s_resetPartition != null;

    internal static bool IsPartitionTimeSuspendSupported => s_suspendPartitionTime != null && s_resumePartitionTime != null;

    internal static bool IsVirtualProcessorStateSupported => s_getVirtualProcessorState != null && s_setVirtualProcessorState != null;

    internal static bool IsInterruptControllerState2Supported =>
        s_getInterruptControllerState2 != null && s_setInterruptControllerState2 != null;

    internal static bool IsVirtualProcessorCpuidOutputSupported => s_getVirtualProcessorCpuidOutput != null;

    internal static bool IsVirtualProcessorCountersSupported => s_getVirtualProcessorCounters != null;

    internal static bool IsPartitionCountersSupported => s_getPartitionCounters != null;

    internal static bool IsGpaRangeDirtyBitmapSupported => s_queryGpaRangeDirtyBitmap != null;

    internal static bool IsSignalVirtualProcessorSynicEventSupported => s_signalVirtualProcessorSynicEvent != null;

    internal static bool IsPartitionDoorbellEventSupported =>
        s_registerPartitionDoorbellEvent != null && s_unregisterPartitionDoorbellEvent != null;

    /// <summary>Resets the partition's VPs and memory to their initial state (WinHvPlatform.h line 71).</summary>
    internal static int WHvResetPartition(SafeWhvPartitionHandle partition)
    {
        var fn = s_resetPartition;
        EnsurePresent(fn != null, nameof(WHvResetPartition));
        using var lease = new HandleLease(partition);
        return fn(lease.Value);
    }

    /// <summary>Stops the partition's reference time and TSC (WinHvPlatform.h line 102).</summary>
    internal static int WHvSuspendPartitionTime(SafeWhvPartitionHandle partition)
    {
        var fn = s_suspendPartitionTime;
        EnsurePresent(fn != null, nameof(WHvSuspendPartitionTime));
        using var lease = new HandleLease(partition);
        return fn(lease.Value);
    }

    /// <summary>Restarts the partition's reference time and TSC (WinHvPlatform.h line 108).</summary>
    internal static int WHvResumePartitionTime(SafeWhvPartitionHandle partition)
    {
        var fn = s_resumePartitionTime;
        EnsurePresent(fn != null, nameof(WHvResumePartitionTime));
        using var lease = new HandleLease(partition);
        return fn(lease.Value);
    }

    /// <summary>Reads a VP state block such as the XSAVE area (WinHvPlatform.h line 417).</summary>
    internal static int WHvGetVirtualProcessorState(
        SafeWhvPartitionHandle partition,
        uint vpIndex,
        WHV_VIRTUAL_PROCESSOR_STATE_TYPE stateType,
        void* buffer,
        uint bufferSizeInBytes,
        uint* bytesWritten)
    {
        var fn = s_getVirtualProcessorState;
        EnsurePresent(fn != null, nameof(WHvGetVirtualProcessorState));
        using var lease = new HandleLease(partition);
        return fn(lease.Value, vpIndex, stateType, buffer, bufferSizeInBytes, bytesWritten);
    }

    /// <summary>Writes a VP state block (WinHvPlatform.h line 428).</summary>
    internal static int WHvSetVirtualProcessorState(
        SafeWhvPartitionHandle partition,
        uint vpIndex,
        WHV_VIRTUAL_PROCESSOR_STATE_TYPE stateType,
        void* buffer,
        uint bufferSizeInBytes)
    {
        var fn = s_setVirtualProcessorState;
        EnsurePresent(fn != null, nameof(WHvSetVirtualProcessorState));
        using var lease = new HandleLease(partition);
        return fn(lease.Value, vpIndex, stateType, buffer, bufferSizeInBytes);
    }

    /// <summary>Reads the hypervisor-emulated local APIC state of a VP (WinHvPlatform.h line 328).</summary>
    internal static int WHvGetVirtualProcessorInterruptControllerState2(
        SafeWhvPartitionHandle partition,
        uint vpIndex,
        void* state,
        uint stateSize,
        uint* writtenSize)
    {
        var fn = s_getInterruptControllerState2;
        EnsurePresent(fn != null, nameof(WHvGetVirtualProcessorInterruptControllerState2));
        using var lease = new HandleLease(partition);
        return fn(lease.Value, vpIndex, state, stateSize, writtenSize);
    }

    /// <summary>Writes the hypervisor-emulated local APIC state of a VP (WinHvPlatform.h line 344).</summary>
    internal static int WHvSetVirtualProcessorInterruptControllerState2(
        SafeWhvPartitionHandle partition,
        uint vpIndex,
        void* state,
        uint stateSize)
    {
        var fn = s_setInterruptControllerState2;
        EnsurePresent(fn != null, nameof(WHvSetVirtualProcessorInterruptControllerState2));
        using var lease = new HandleLease(partition);
        return fn(lease.Value, vpIndex, state, stateSize);
    }

    /// <summary>Returns what CPUID(<paramref name="eax"/>, <paramref name="ecx"/>) yields inside the VP (WinHvPlatform.h line 650).</summary>
    internal static int WHvGetVirtualProcessorCpuidOutput(
        SafeWhvPartitionHandle partition,
        uint vpIndex,
        uint eax,
        uint ecx,
        WHV_CPUID_OUTPUT* cpuidOutput)
    {
        var fn = s_getVirtualProcessorCpuidOutput;
        EnsurePresent(fn != null, nameof(WHvGetVirtualProcessorCpuidOutput));
        using var lease = new HandleLease(partition);
        return fn(lease.Value, vpIndex, eax, ecx, cpuidOutput);
    }

    /// <summary>Reads a per-VP counter set (WinHvPlatform.h line 313).</summary>
    internal static int WHvGetVirtualProcessorCounters(
        SafeWhvPartitionHandle partition,
        uint vpIndex,
        WHV_PROCESSOR_COUNTER_SET counterSet,
        void* buffer,
        uint bufferSizeInBytes,
        uint* bytesWritten)
    {
        var fn = s_getVirtualProcessorCounters;
        EnsurePresent(fn != null, nameof(WHvGetVirtualProcessorCounters));
        using var lease = new HandleLease(partition);
        return fn(lease.Value, vpIndex, counterSet, buffer, bufferSizeInBytes, bytesWritten);
    }

    /// <summary>Reads a partition counter set (WinHvPlatform.h line 303).</summary>
    internal static int WHvGetPartitionCounters(
        SafeWhvPartitionHandle partition,
        WHV_PARTITION_COUNTER_SET counterSet,
        void* buffer,
        uint bufferSizeInBytes,
        uint* bytesWritten)
    {
        var fn = s_getPartitionCounters;
        EnsurePresent(fn != null, nameof(WHvGetPartitionCounters));
        using var lease = new HandleLease(partition);
        return fn(lease.Value, counterSet, buffer, bufferSizeInBytes, bytesWritten);
    }

    /// <summary>Reads and clears the dirty bits of a range mapped with TrackDirtyPages, one bit per 4 KiB page (WinHvPlatform.h line 293).</summary>
    internal static int WHvQueryGpaRangeDirtyBitmap(
        SafeWhvPartitionHandle partition,
        ulong guestAddress,
        ulong rangeSizeInBytes,
        ulong* bitmap,
        uint bitmapSizeInBytes)
    {
        var fn = s_queryGpaRangeDirtyBitmap;
        EnsurePresent(fn != null, nameof(WHvQueryGpaRangeDirtyBitmap));
        using var lease = new HandleLease(partition);
        return fn(lease.Value, guestAddress, rangeSizeInBytes, bitmap, bitmapSizeInBytes);
    }

    /// <summary>Sets a SynIC event flag on a VP (WinHvPlatform.h line 409). <paramref name="newlySignaled"/> (a BOOL) may be null.</summary>
    internal static int WHvSignalVirtualProcessorSynicEvent(
        SafeWhvPartitionHandle partition,
        WHV_SYNIC_EVENT_PARAMETERS synicEvent,
        int* newlySignaled)
    {
        var fn = s_signalVirtualProcessorSynicEvent;
        EnsurePresent(fn != null, nameof(WHvSignalVirtualProcessorSynicEvent));
        using var lease = new HandleLease(partition);
        return fn(lease.Value, synicEvent, newlySignaled);
    }

    /// <summary>Signals <paramref name="eventHandle"/> instead of exiting when the guest writes a matching value (WinHvPlatform.h line 358).</summary>
    internal static int WHvRegisterPartitionDoorbellEvent(
        SafeWhvPartitionHandle partition,
        WHV_DOORBELL_MATCH_DATA* matchData,
        SafeHandle eventHandle)
    {
        var fn = s_registerPartitionDoorbellEvent;
        EnsurePresent(fn != null, nameof(WHvRegisterPartitionDoorbellEvent));
        using var lease = new HandleLease(partition);
        using var eventLease = new HandleLease(eventHandle);
        return fn(lease.Value, matchData, eventLease.Value);
    }

    /// <summary>Removes a doorbell registered with the same match data (WinHvPlatform.h line 369).</summary>
    internal static int WHvUnregisterPartitionDoorbellEvent(SafeWhvPartitionHandle partition, WHV_DOORBELL_MATCH_DATA* matchData)
    {
        var fn = s_unregisterPartitionDoorbellEvent;
        EnsurePresent(fn != null, nameof(WHvUnregisterPartitionDoorbellEvent));
        using var lease = new HandleLease(partition);
        return fn(lease.Value, matchData);
    }

    private static nint LoadWinHvPlatform() =>
        NativeLibrary.TryLoad(Interop.Libraries.WinHvPlatform, typeof(WhpOptionalApis).Assembly, DllImportSearchPath.System32, out nint library)
            ? library
            : 0;

    private static void* Resolve(string export) =>
        s_library != 0 && NativeLibrary.TryGetExport(s_library, export, out nint address) ? (void*)address : null;

    private static void EnsurePresent(bool present, string export)
    {
        if (!present)
        {
            ThrowMissingExport(export);
        }
    }

    [DoesNotReturn]
    private static void ThrowMissingExport(string export) =>
        throw new EntryPointNotFoundException(
            $"{export} is not exported by {Interop.Libraries.WinHvPlatform} on this Windows build; check the matching Is...Supported property first.");

    /// <summary>Keeps a SafeHandle alive and un-recycled while its raw value is in a native call.</summary>
    private ref struct HandleLease
    {
        private readonly SafeHandle _handle;
        private bool _addedRef;

        public HandleLease(SafeHandle handle)
        {
            _handle = handle;
            _addedRef = false;
            handle.DangerousAddRef(ref _addedRef);
            Value = handle.DangerousGetHandle();
        }

        public nint Value { get; }

        public void Dispose()
        {
            if (_addedRef)
            {
                _handle.DangerousRelease();
                _addedRef = false;
            }
        }
    }
}

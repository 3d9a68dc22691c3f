using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;

namespace Vmm.Whp;

/// <summary>Owns a WHV_PARTITION_HANDLE; releasing it deletes the partition (WinHvPlatform.h WHvDeletePartition).</summary>
/// <remarks>
/// WHvDeletePartition also tears down the partition's virtual processors and GPA mappings, so the handle
/// must outlive every VP wrapper: VP wrappers hold a reference (DangerousAddRef) for their lifetime.
/// </remarks>
[SupportedOSPlatform("windows")]
internal sealed class SafeWhvPartitionHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>Creates an empty handle; WHvCreatePartition fills it in through the LibraryImport marshaller.</summary>
    public SafeWhvPartitionHandle()
        : base(ownsHandle: true)
    {
    }

    /// <inheritdoc />
    protected override bool ReleaseHandle() => Interop.WinHvPlatform.WHvDeletePartition(handle) >= 0;
}

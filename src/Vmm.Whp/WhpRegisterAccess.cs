using System.Runtime.Versioning;
using Vmm.Core.Hypervisor;
using static Vmm.Whp.Interop.WinHvPlatform;

namespace Vmm.Whp;

/// <summary>
/// <see cref="IWhpRegisterAccess"/> over WHvGet/SetVirtualProcessorRegisters and WHvTranslateGva, through
/// one 16-byte-aligned <see cref="WhpRegisterBuffer"/> allocated once per VP.
/// </summary>
/// <remarks>Not thread-safe: the VP's run thread owns it (docs/design.md#thread-ownership).</remarks>
[SupportedOSPlatform("windows")]
internal sealed unsafe class WhpRegisterAccess : IWhpRegisterAccess, IDisposable
{
    private readonly SafeWhvPartitionHandle _partition;
    private readonly uint _vpIndex;
    private readonly WhpRegisterBuffer _buffer = new();

    public WhpRegisterAccess(SafeWhvPartitionHandle partition, uint vpIndex)
    {
        _partition = partition;
        _vpIndex = vpIndex;
    }

    public void GetRegisters(ReadOnlySpan<WHV_REGISTER_NAME> names, Span<WHV_REGISTER_VALUE> values)
    {
        if (values.Length < names.Length)
        {
            throw new ArgumentException("One value per name is needed.", nameof(values));
        }

        for (int start = 0; start < names.Length; start += _buffer.Capacity)
        {
            int count = _buffer.Load(names.Slice(start, Math.Min(_buffer.Capacity, names.Length - start)));

            // SAFETY: the buffer's arrays hold Capacity >= count aligned elements and live until Dispose.
            int hr = WHvGetVirtualProcessorRegisters(_partition, _vpIndex, _buffer.NamesPointer, (uint)count, _buffer.ValuesPointer);
            WhpResult.ThrowIfFailed(hr, nameof(WHvGetVirtualProcessorRegisters));
            _buffer.Values[..count].CopyTo(values.Slice(start, count));
        }
    }

    public void SetRegisters(ReadOnlySpan<WHV_REGISTER_NAME> names, ReadOnlySpan<WHV_REGISTER_VALUE> values)
    {
        if (values.Length < names.Length)
        {
            throw new ArgumentException("One value per name is needed.", nameof(values));
        }

        for (int start = 0; start < names.Length; start += _buffer.Capacity)
        {
            int count = _buffer.Load(names.Slice(start, Math.Min(_buffer.Capacity, names.Length - start)));
            values.Slice(start, count).CopyTo(_buffer.Values);

            // SAFETY: as in GetRegisters.
            int hr = WHvSetVirtualProcessorRegisters(_partition, _vpIndex, _buffer.NamesPointer, (uint)count, _buffer.ValuesPointer);
            WhpResult.ThrowIfFailed(hr, nameof(WHvSetVirtualProcessorRegisters));
        }
    }

    public bool TryTranslateGva(ulong gva, bool write, out ulong gpa)
    {
        // PrivilegeExempt: the access being emulated already passed (or will fail on) its own privilege
        // checks in hardware; we only need the physical address (WinHvPlatformDefs.h WHV_TRANSLATE_GVA_FLAGS).
        WHV_TRANSLATE_GVA_FLAGS flags = (write ? WHV_TRANSLATE_GVA_FLAGS.WHvTranslateGvaFlagValidateWrite : WHV_TRANSLATE_GVA_FLAGS.WHvTranslateGvaFlagValidateRead)
            | WHV_TRANSLATE_GVA_FLAGS.WHvTranslateGvaFlagPrivilegeExempt;
        WHV_TRANSLATE_GVA_RESULT result;
        ulong address;

        // SAFETY: result and address are locals of the sizes the header declares.
        int hr = WHvTranslateGva(_partition, _vpIndex, gva, flags, &result, &address);
        gpa = address;
        return hr >= 0 && result.ResultCode == WHV_TRANSLATE_GVA_RESULT_CODE.WHvTranslateGvaResultSuccess;
    }

    public void Dispose() => _buffer.Dispose();
}

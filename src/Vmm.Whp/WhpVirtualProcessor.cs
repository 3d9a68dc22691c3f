using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Vmm.Core.Hypervisor;
using Vmm.Core.Memory;
using Vmm.Core.Registers;
using static Vmm.Whp.Interop.WinHvPlatform;

namespace Vmm.Whp;

/// <summary>
/// A WHP virtual processor: its index, one 224-byte exit context allocated once (16-byte aligned, as the
/// header's union alignment asks), its register buffer, and the exit mapping.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed unsafe class WhpVirtualProcessor : IVirtualProcessor
{
    private static readonly uint s_exitContextSize = (uint)sizeof(WHV_RUN_VP_EXIT_CONTEXT);

    private readonly SafeWhvPartitionHandle _partition;
    private readonly uint _vpIndex;
    private readonly WhpRegisterAccess _registers;
    private readonly WhpExitMapper _mapper;
    private WHV_RUN_VP_EXIT_CONTEXT* _exit;
    private bool _handleReferenced;
    private volatile bool _released;
    private bool _disposed;

    public WhpVirtualProcessor(SafeWhvPartitionHandle partition, int index, GuestMemory memory, CpuidTable cpuid)
    {
        Index = index;
        _partition = partition;
        _vpIndex = (uint)index;
        WhpResult.ThrowIfFailed(WHvCreateVirtualProcessor(partition, _vpIndex, 0), nameof(WHvCreateVirtualProcessor));

        // The partition handle must outlive this VP (deleting the partition deletes its VPs).
        partition.DangerousAddRef(ref _handleReferenced);

        // SAFETY: a fresh, exclusively owned, 16-byte-aligned block of exactly the struct's size (224, asserted
        // by the layout tests), zeroed before use and freed once in Dispose.
        _exit = (WHV_RUN_VP_EXIT_CONTEXT*)NativeMemory.AlignedAlloc(s_exitContextSize, 16);
        NativeMemory.Clear(_exit, s_exitContextSize);
        _registers = new WhpRegisterAccess(partition, _vpIndex);
        _mapper = new WhpExitMapper(index, _registers, memory, cpuid);
    }

    public int Index { get; }

    // Nothing to prepare or release: WHvCancelRunVirtualProcessor addresses the VP by index, not by thread,
    // and needs no signal or per-thread state, so any thread may run the VP and any thread may kick it.
    public void PrepareRunThread()
    {
    }

    public void ReleaseRunThread() => _released = true;

    [SkipLocalsInit]
    public VcpuRunResult Run(IVcpuExitHandler handler)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int hr = WHvRunVirtualProcessor(_partition, _vpIndex, _exit, s_exitContextSize);
        if (hr < 0)
        {
            return VcpuRunResult.Fault($"vCPU {Index}: {WhpResult.FormatFailure(hr, nameof(WHvRunVirtualProcessor))}");
        }

        try
        {
            // SAFETY: _exit is the live context WHvRunVirtualProcessor just filled; only this thread touches it.
            return _mapper.Map(*_exit, handler);
        }
        catch (HypervisorException ex)
        {
            // Completing the exit needed a platform call that failed: not the guest's doing.
            return VcpuRunResult.Fault($"vCPU {Index}: completing exit 0x{(uint)_exit->ExitReason:X} failed: {ex.Message}");
        }
    }

    public void Kick()
    {
        // WHP documents that a cancel also applies to the next WHvRunVirtualProcessor when the VP is not
        // running (docs/whp.md#functions), which gives the contract's "never lost".
        if (_released || _disposed)
        {
            return;
        }

        _ = WHvCancelRunVirtualProcessor(_partition, _vpIndex, 0);
    }

    [SkipLocalsInit]
    public void GetRegisters(out StandardRegisters registers)
    {
        Span<WHV_REGISTER_VALUE> values = stackalloc WHV_REGISTER_VALUE[WhpRegisterConversion.StandardRegisterCount];
        _registers.GetRegisters(WhpRegisterConversion.StandardRegisterNames, values);
        WhpRegisterConversion.FromValues(values, out registers);
    }

    [SkipLocalsInit]
    public void SetRegisters(in StandardRegisters registers)
    {
        Span<WHV_REGISTER_VALUE> values = stackalloc WHV_REGISTER_VALUE[WhpRegisterConversion.StandardRegisterCount];
        WhpRegisterConversion.ToValues(registers, values);
        _registers.SetRegisters(WhpRegisterConversion.StandardRegisterNames, values);
    }

    [SkipLocalsInit]
    public void GetSpecialRegisters(out SpecialRegisters registers)
    {
        Span<WHV_REGISTER_VALUE> values = stackalloc WHV_REGISTER_VALUE[WhpRegisterConversion.SpecialRegisterCount];
        _registers.GetRegisters(WhpRegisterConversion.SpecialRegisterNames, values);
        WhpRegisterConversion.FromValues(values, out registers);
    }

    [SkipLocalsInit]
    public void SetSpecialRegisters(in SpecialRegisters registers)
    {
        Span<WHV_REGISTER_VALUE> values = stackalloc WHV_REGISTER_VALUE[WhpRegisterConversion.SpecialRegisterCount];
        WhpRegisterConversion.ToValues(registers, values);
        _registers.SetRegisters(WhpRegisterConversion.SpecialRegisterNames, values);
    }

    /// <remarks>WHP does not say whether a virtual processor is descheduled: every running target is kicked.</remarks>
    public bool TryDeferFlushWhileDescheduled() => false;

    public void FlushGuestTlb()
    {
        // docs/whp.md#tlb-flush: WHP has no TLB-flush call. Clearing and restoring CR4.PGE through the register
        // interface is how an architectural MOV to CR4 flushes every translation, global ones included (SDM Vol. 3
        // §4.10.4.1); whether WHvSetVirtualProcessorRegisters gives a register write that effect is not documented
        // and must be confirmed on Windows (README, "Backend status"). Without PGE, toggling CR0.WP is used.
        Span<WHV_REGISTER_NAME> name = stackalloc WHV_REGISTER_NAME[1];
        Span<WHV_REGISTER_VALUE> value = stackalloc WHV_REGISTER_VALUE[1];
        name[0] = WHV_REGISTER_NAME.WHvX64RegisterCr4;
        _registers.GetRegisters(name, value);
        ulong cr4 = value[0].Reg64;
        ulong bit = X86Constants.Cr4Pge;
        if ((cr4 & bit) == 0)
        {
            name[0] = WHV_REGISTER_NAME.WHvX64RegisterCr0;
            _registers.GetRegisters(name, value);
            bit = X86Constants.Cr0WriteProtect;
        }

        ulong original = value[0].Reg64;
        value[0] = new WHV_REGISTER_VALUE { Reg64 = original ^ bit };
        _registers.SetRegisters(name, value);
        value[0] = new WHV_REGISTER_VALUE { Reg64 = original };
        _registers.SetRegisters(name, value);
    }

    public void GetMsrs(Span<MsrEntry> entries)
    {
        Span<WHV_REGISTER_NAME> name = stackalloc WHV_REGISTER_NAME[1];
        Span<WHV_REGISTER_VALUE> value = stackalloc WHV_REGISTER_VALUE[1];
        for (int i = 0; i < entries.Length; i++)
        {
            name[0] = RegisterFor(entries[i].Index, "WHvGetVirtualProcessorRegisters");
            _registers.GetRegisters(name, value);
            entries[i].Value = value[0].Reg64;
        }
    }

    public void SetMsrs(ReadOnlySpan<MsrEntry> entries)
    {
        Span<WHV_REGISTER_NAME> name = stackalloc WHV_REGISTER_NAME[1];
        Span<WHV_REGISTER_VALUE> value = stackalloc WHV_REGISTER_VALUE[1];
        for (int i = 0; i < entries.Length; i++)
        {
            name[0] = RegisterFor(entries[i].Index, "WHvSetVirtualProcessorRegisters");
            value[0] = new WHV_REGISTER_VALUE { Reg64 = entries[i].Value };
            _registers.SetRegisters(name, value);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _ = WHvDeleteVirtualProcessor(_partition, _vpIndex);
        _registers.Dispose();

        // SAFETY: allocated with AlignedAlloc in the constructor; no run is in progress (the run thread has
        // been joined before the partition disposes its VPs).
        NativeMemory.AlignedFree(_exit);
        _exit = null;
        if (_handleReferenced)
        {
            _partition.DangerousRelease();
            _handleReferenced = false;
        }
    }

    private static WHV_REGISTER_NAME RegisterFor(uint msr, string operation)
    {
        if (!WhpMsrRegisters.TryGetRegister(msr, out WHV_REGISTER_NAME name))
        {
            throw new HypervisorException($"{operation}: MSR 0x{msr:X} is not exposed as a WHP register", operation, WhpResult.WHV_E_INVALID_VP_REGISTER_NAME);
        }

        return name;
    }
}

using System.Runtime.CompilerServices;
using Vmm.Core.Hypervisor;
using static Vmm.Whp.Interop.WinHvPlatform;

namespace Vmm.Whp;

/// <summary>
/// The WHP hypercall transport (docs/design.md#hypercall-transport): the guest's hypercall page runs `vmcall` (`vmmcall` on
/// AMD), the HypercallExit extended exit stops at it with RIP on the call instruction, and the inputs come
/// from the exit's WHV_HYPERCALL_CONTEXT (RCX, RDX, R8, XMM0-5). Outputs go back in one register batch
/// when the handler returns.
/// </summary>
/// <remarks>
/// One instance per vCPU, reused for every call: nothing here allocates. Outcomes, mirroring the KVM
/// backend: Complete = RAX and RIP past the call (to the page's RET); Continue = RCX, RIP unchanged so the
/// call re-executes; #UD = pending exception at the call, RIP unchanged (docs/whp.md#hypercall-exits).
/// </remarks>
internal sealed class WhpHypercallIo : IHypercallIo
{
    /// <summary>Length of VMCALL (0F 01 C1) and VMMCALL (0F 01 D9): the fallback when the exit reports none.</summary>
    internal const byte CallInstructionLength = 3;

    private const int XmmCount = WHV_HYPERCALL_CONTEXT_MAX_XMM_REGISTERS;

    private readonly IWhpRegisterAccess _registers;
    private XmmValues _xmm;
    private int _xmmDirty;
    private ulong _rip;
    private byte _length;
    private Outcome _outcome;
    private ulong _value;

    public WhpHypercallIo(int processorIndex, IWhpRegisterAccess registers)
    {
        ProcessorIndex = processorIndex;
        _registers = registers;
    }

    private enum Outcome
    {
        None,
        Complete,
        Continue,
        InvalidOpcode,
    }

    public int ProcessorIndex { get; }

    public ulong Control { get; private set; }

    public ulong InputValue { get; private set; }

    public ulong OutputValue { get; private set; }

    public ulong InstructionPointer => _rip;

    public int Cpl { get; private set; }

    public bool IsProtectedMode { get; private set; }

    public bool IsLongMode { get; private set; }

    /// <summary>Captures the call's inputs from the exit; called by the mapper before the handler.</summary>
    internal void Begin(in WHV_RUN_VP_EXIT_CONTEXT exit)
    {
        ref readonly WHV_HYPERCALL_CONTEXT call = ref exit.Hypercall;
        Control = call.Rcx;
        InputValue = call.Rdx;
        OutputValue = call.R8;
        for (int i = 0; i < XmmCount; i++)
        {
            WHV_UINT128 x = call.XmmRegisters[i];
            _xmm[i] = new UInt128(x.High64, x.Low64);
        }

        ref readonly WHV_VP_EXIT_CONTEXT vp = ref exit.VpContext;
        _rip = vp.Rip;
        _length = vp.InstructionLength != 0 ? vp.InstructionLength : CallInstructionLength;

        // The hypervisor's own CPL and CR0.PE/EFER.LMA for the caller (WHV_X64_VP_EXECUTION_STATE), plus CS.L:
        // 64-bit mode is LMA with a long code segment; LMA alone is compatibility mode (SDM Vol. 3A §2.2).
        Cpl = vp.ExecutionState.Cpl;
        IsProtectedMode = vp.ExecutionState.Cr0Pe;
        IsLongMode = vp.ExecutionState.EferLma && vp.Cs.Long;
        _xmmDirty = 0;
        _outcome = Outcome.None;
        _value = 0;
    }

    /// <summary>Writes back what the call changed, in one batch; called by the mapper after the handler returns.</summary>
    [SkipLocalsInit]
    internal void End()
    {
        if (_outcome == Outcome.None)
        {
            // A handler that forgot to complete the call must not leave the guest spinning on the same VMCALL.
            Complete(0x2); // HV_STATUS_INVALID_HYPERCALL_CODE, as the KVM backend does
        }

        Span<WHV_REGISTER_NAME> names = stackalloc WHV_REGISTER_NAME[2 + XmmCount];
        Span<WHV_REGISTER_VALUE> values = stackalloc WHV_REGISTER_VALUE[2 + XmmCount];
        int n = 0;
        switch (_outcome)
        {
            case Outcome.Complete:
                names[n] = WHV_REGISTER_NAME.WHvX64RegisterRax;
                values[n++] = new WHV_REGISTER_VALUE { Reg64 = _value };
                names[n] = WHV_REGISTER_NAME.WHvX64RegisterRip;
                values[n++] = new WHV_REGISTER_VALUE { Reg64 = _rip + _length };
                break;
            case Outcome.Continue:
                names[n] = WHV_REGISTER_NAME.WHvX64RegisterRcx;
                values[n++] = new WHV_REGISTER_VALUE { Reg64 = _value };
                break;
            default:
                names[n] = WhpPendingException.Register;
                values[n++] = WhpPendingException.InvalidOpcode();
                break;
        }

        // XMM outputs only matter when the call completes or continues; a #UD leaves the guest's state alone.
        if (_outcome != Outcome.InvalidOpcode)
        {
            for (int i = 0; i < XmmCount; i++)
            {
                if ((_xmmDirty & (1 << i)) != 0)
                {
                    UInt128 x = _xmm[i];
                    names[n] = (WHV_REGISTER_NAME)((int)WHV_REGISTER_NAME.WHvX64RegisterXmm0 + i);
                    values[n++] = new WHV_REGISTER_VALUE { Reg128 = new WHV_UINT128((ulong)x, (ulong)(x >> 64)) };
                }
            }
        }

        _registers.SetRegisters(names[..n], values[..n]);
    }

    public UInt128 GetXmm(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, XmmCount - 1);
        return _xmm[index];
    }

    public void SetXmm(int index, UInt128 value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, XmmCount - 1);
        _xmm[index] = value;
        _xmmDirty |= 1 << index;
    }

    public void Complete(ulong result)
    {
        _outcome = Outcome.Complete;
        _value = result;
    }

    public void Continue(ulong control)
    {
        _outcome = Outcome.Continue;
        _value = control;
    }

    public void InjectInvalidOpcode()
    {
        _outcome = Outcome.InvalidOpcode;
        _value = 0;
    }

    [InlineArray(XmmCount)]
    private struct XmmValues
    {
        private UInt128 _element0;
    }
}

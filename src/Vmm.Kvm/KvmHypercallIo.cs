using System.Runtime.Versioning;
using Vmm.Core.Hypervisor;
using Vmm.Kvm.Interop;
using Vmm.Kvm.Interop.Types;
using static Vmm.Kvm.Interop.Interop;

namespace Vmm.Kvm;

/// <summary>
/// The KVM hypercall transport (docs/design.md#hypercall-transport): the guest calls its hypercall page,
/// whose `out imm8, al` exits to us; registers come from the kvm_run sync area (REGS and SREGS are synced on every
/// exit), XMM registers from KVM_GET_FPU only when an XMM-fast call asks for them. Upstream KVM reports the exit with
/// RIP still at the OUT and skips it at the next KVM_RUN, PVM with RIP already past it: the plain completion
/// (RAX only) works on both untouched, and whatever needs RIP first has the vCPU complete the OUT
/// (<see cref="KvmVirtualProcessor.CompletePendingExit"/>), after which RIP is past it on both.
/// </summary>
/// <remarks>One instance per vCPU, reused for every call: nothing here allocates.</remarks>
[SupportedOSPlatform("linux")]
internal sealed unsafe class KvmHypercallIo : IHypercallIo
{
    /// <summary>
    /// The stub: `endbr64` (F3 0F 1E FA), `out 0xE8, al` (E6 E8), `ret` (C3). The page is called indirectly, so with
    /// kernel IBT the first instruction must be ENDBR64, as on real Hyper-V; Linux 6.1-6.15 otherwise disables IBT
    /// ("Hyper-V: Disabling IBT because of Hyper-V bug", arch/x86/hyperv/hv_init.c). On CPUs without CET it is a NOP.
    /// The OUT's offset does not matter: RIP is taken relative to the trapping instruction (<see cref="TrapLength"/>).
    /// </summary>
    internal static readonly byte[] PageCode = [0xF3, 0x0F, 0x1E, 0xFA, 0xE6, (byte)Core.Devices.StandardPorts.Hypercall, 0xC3];

    /// <summary>Length of the trapping instruction, `out imm8, al`.</summary>
    private const ulong TrapLength = 2;

    private readonly KvmVirtualProcessor _processor;
    private readonly kvm_run* _run;
    private kvm_fpu _fpu;
    private bool _fpuLoaded;
    private bool _fpuDirty;
    private bool _ended;
    private ulong _instructionPointer;
    private bool _instructionPointerKnown;

    public KvmHypercallIo(KvmVirtualProcessor processor, kvm_run* run)
    {
        _processor = processor;
        _run = run;
    }

    public int ProcessorIndex => _processor.Index;

    public ulong Control => _run->s.regs.rcx;

    public ulong InputValue => _run->s.regs.rdx;

    public ulong OutputValue => _run->s.regs.r8;

    // Computed at the first read (only traces and diagnostics read it) and kept: Continue and InjectInvalidOpcode
    // rewind RIP, and a reader may come after them.
    public ulong InstructionPointer
    {
        get
        {
            if (!_instructionPointerKnown)
            {
                _instructionPointer = _processor.PortIoInstructionPointer(TrapLength);
                _instructionPointerKnown = true;
            }

            return _instructionPointer;
        }
    }

    // KVM's own CPL is SS.DPL (vmx_get_cpl), which equals CS.RPL outside transitions.
    public int Cpl => _run->s.sregs.ss.dpl;

    public bool IsProtectedMode => (_run->s.sregs.cr0 & 1) != 0;

    public bool IsLongMode => (_run->s.sregs.efer & Core.Registers.X86Constants.EferLongModeActive) != 0 && _run->s.sregs.cs.l != 0;

    /// <summary>Resets per-call state; called by the vCPU before each hypercall.</summary>
    public void Begin()
    {
        _instructionPointerKnown = false;
        _fpuLoaded = false;
        _fpuDirty = false;
        _ended = false;
    }

    /// <summary>Writes back what the call changed; called by the vCPU after the handler returns.</summary>
    public void End()
    {
        if (!_ended)
        {
            // A handler that forgot to complete the call must not leave the guest spinning on the same OUT.
            Complete(0x2); // HV_STATUS_INVALID_HYPERCALL_CODE
        }

        if (_fpuDirty)
        {
            fixed (kvm_fpu* fpu = &_fpu)
            {
                // SAFETY: fpu points at this object's kvm_fpu, the size the ioctl number encodes.
                _ = Libc.Ioctl(_processor.Fd, KvmIoctl.KVM_SET_FPU, fpu);
            }
        }
    }

    public UInt128 GetXmm(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, 5);
        LoadFpu();
        fixed (byte* xmm = _fpu.xmm)
        {
            // SAFETY: index is 0-5, so the 16 bytes read lie inside the 256-byte xmm array.
            return *(UInt128*)(xmm + (index * 16));
        }
    }

    public void SetXmm(int index, UInt128 value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, 5);
        LoadFpu();
        fixed (byte* xmm = _fpu.xmm)
        {
            // SAFETY: as in GetXmm.
            *(UInt128*)(xmm + (index * 16)) = value;
        }

        _fpuDirty = true;
    }

    public void Complete(ulong result)
    {
        _run->s.regs.rax = result;
        _run->kvm_dirty_regs |= KvmConstants.KVM_SYNC_X86_REGS;
        _ended = true;
    }

    public void Continue(ulong control)
    {
        _ = InstructionPointer; // keep the call's address for a later reader
        _processor.CompletePendingExit(); // RIP past the OUT on every flavour; then back onto it
        _run->s.regs.rcx = control;
        _run->s.regs.rip -= TrapLength; // re-execute the OUT: the call resumes at the new rep start index
        _run->kvm_dirty_regs |= KvmConstants.KVM_SYNC_X86_REGS;
        _ended = true;
    }

    public void InjectInvalidOpcode()
    {
        _ = InstructionPointer; // keep the call's address for a later reader
        _processor.CompletePendingExit(); // RIP past the OUT on every flavour; then back onto it
        _run->s.regs.rip -= TrapLength; // #UD is a fault: it reports the trapping instruction
        _run->kvm_dirty_regs |= KvmConstants.KVM_SYNC_X86_REGS;
        _processor.InjectException(Core.Registers.X86Constants.VectorInvalidOpcode);
        _ended = true;
    }

    private void LoadFpu()
    {
        if (_fpuLoaded)
        {
            return;
        }

        fixed (kvm_fpu* fpu = &_fpu)
        {
            // SAFETY: fpu points at this object's kvm_fpu, the size the ioctl number encodes.
            KvmFileDescriptor.Check(Libc.Ioctl(_processor.Fd, KvmIoctl.KVM_GET_FPU, fpu), "KVM_GET_FPU");
        }

        _fpuLoaded = true;
    }
}

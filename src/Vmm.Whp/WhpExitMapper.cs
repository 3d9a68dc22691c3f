using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Iced.Intel;
using Vmm.Core.Hypervisor;
using Vmm.Core.Memory;
using static Vmm.Whp.Interop.WinHvPlatform;

namespace Vmm.Whp;

/// <summary>
/// Turns one WHV_RUN_VP_EXIT_CONTEXT into calls on the shared <see cref="IVcpuExitHandler"/> and the register
/// write-backs that complete the exit, with the same guest-visible effect as the KVM backend for the same
/// instruction. Pure managed code over <see cref="IWhpRegisterAccess"/>, so it runs (and is tested) anywhere.
/// </summary>
/// <remarks>
/// One instance per VP, used only on its run thread. Guest behaviour never throws: what cannot be emulated
/// becomes <see cref="VcpuExitKind.Fault"/> with a register dump. RIP advances by the exit's instruction
/// length (VpContext.InstructionLength); MMIO uses the decoded length instead, because the hardware does
/// not report an instruction length for EPT/NPT faults.
/// </remarks>
internal sealed partial class WhpExitMapper
{
    private readonly int _index;
    private readonly IWhpRegisterAccess _registers;
    private readonly GuestMemory? _memory;
    private readonly CpuidTable? _cpuid;
    private readonly WhpHypercallIo _hypercallIo;

    /// <summary>Creates the mapper for VP <paramref name="processorIndex"/>.</summary>
    /// <param name="processorIndex">The vCPU index passed to the handler.</param>
    /// <param name="registers">The VP's registers and address translation.</param>
    /// <param name="memory">Guest RAM, for string I/O and for instruction bytes the exit did not carry; null disables both.</param>
    /// <param name="cpuid">The VMM's CPUID table, for CPUID exits (<see cref="WhpCpuidPolicy"/>); null leaves every default.</param>
    public WhpExitMapper(int processorIndex, IWhpRegisterAccess registers, GuestMemory? memory, CpuidTable? cpuid)
    {
        _index = processorIndex;
        _registers = registers;
        _memory = memory;
        _cpuid = cpuid;
        _hypercallIo = new WhpHypercallIo(processorIndex, registers);
    }

    /// <summary>Services <paramref name="exit"/> and says what the run loop should do next.</summary>
    public VcpuRunResult Map(in WHV_RUN_VP_EXIT_CONTEXT exit, IVcpuExitHandler handler)
    {
        switch (exit.ExitReason)
        {
            case WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonX64IoPortAccess:
                return MapPortIo(exit, handler);

            case WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonMemoryAccess:
                return MapMemoryAccess(exit, handler);

            case WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonX64MsrAccess:
                return MapMsr(exit, handler);

            case WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonX64Cpuid:
                return MapCpuid(exit);

            case WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonHypercall:
                _hypercallIo.Begin(exit);
                handler.Hypercall(_hypercallIo);
                _hypercallIo.End();
                return VcpuRunResult.Continue;

            case WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonException:
                return MapException(exit, handler);

            case WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonX64Halt:
                return VcpuRunResult.Halted;

            case WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonCanceled:
                return VcpuRunResult.Canceled;

            // Nothing to do: the in-hypervisor APIC delivers pending interrupts on the next entry (the KVM
            // backend treats KVM_EXIT_IRQ_WINDOW_OPEN the same way); an EOI exit only reports the vector.
            case WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonX64InterruptWindow:
            case WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonX64ApicEoi:
            case WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonNone:
                return VcpuRunResult.Continue;

            // A triple fault: the contract's Shutdown (VcpuExitKind.Shutdown), as KVM_EXIT_SHUTDOWN in the KVM backend.
            case WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonUnrecoverableException:
                return VcpuRunResult.Shutdown(Describe($"vCPU {_index} shut down (unrecoverable exception, triple fault)", exit));

            case WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonInvalidVpRegisterValue:
                return VcpuRunResult.Fault(Describe($"vCPU {_index} cannot run: invalid VP register state", exit));

            case WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonUnsupportedFeature:
                return VcpuRunResult.Fault(Describe(
                    $"vCPU {_index} used an unsupported feature (code {exit.UnsupportedFeature.FeatureCode}, parameter 0x{exit.UnsupportedFeature.FeatureParameter:X})", exit));

            default:
                return VcpuRunResult.Fault(Describe($"vCPU {_index} exited with unexpected WHP exit reason 0x{(uint)exit.ExitReason:X}", exit));
        }
    }

    [SkipLocalsInit]
    private VcpuRunResult MapMsr(in WHV_RUN_VP_EXIT_CONTEXT exit, IVcpuExitHandler handler)
    {
        ref readonly WHV_X64_MSR_ACCESS_CONTEXT msr = ref exit.MsrAccess;
        ulong nextRip = exit.VpContext.Rip + LengthOr(exit.VpContext, 2); // RDMSR 0F 32, WRMSR 0F 30
        if (msr.AccessInfo.IsWrite)
        {
            // WRMSR takes EDX:EAX; the upper halves of RAX and RDX are ignored (SDM Vol. 2B WRMSR).
            ulong value = ((msr.Rdx & 0xFFFF_FFFF) << 32) | (msr.Rax & 0xFFFF_FFFF);
            MsrAccessResult result = handler.MsrWrite(_index, msr.MsrNumber, value);
            if (result != MsrAccessResult.Ok)
            {
                SetOne(WhpPendingException.Register, WhpPendingException.GeneralProtection());
                return VcpuRunResult.Continue;
            }

            SetOne(WHV_REGISTER_NAME.WHvX64RegisterRip, nextRip);
            return VcpuRunResult.Continue;
        }

        MsrAccessResult read = handler.MsrRead(_index, msr.MsrNumber, out ulong data);
        if (read != MsrAccessResult.Ok)
        {
            SetOne(WhpPendingException.Register, WhpPendingException.GeneralProtection());
            return VcpuRunResult.Continue;
        }

        // RDMSR loads EDX:EAX and clears the upper halves of RAX and RDX in 64-bit mode (SDM Vol. 2B RDMSR).
        Span<WHV_REGISTER_NAME> names = [WHV_REGISTER_NAME.WHvX64RegisterRax, WHV_REGISTER_NAME.WHvX64RegisterRdx, WHV_REGISTER_NAME.WHvX64RegisterRip];
        Span<WHV_REGISTER_VALUE> values = stackalloc WHV_REGISTER_VALUE[3];
        values[0] = new WHV_REGISTER_VALUE { Reg64 = data & 0xFFFF_FFFF };
        values[1] = new WHV_REGISTER_VALUE { Reg64 = data >> 32 };
        values[2] = new WHV_REGISTER_VALUE { Reg64 = nextRip };
        _registers.SetRegisters(names, values);
        return VcpuRunResult.Continue;
    }

    [SkipLocalsInit]
    private VcpuRunResult MapCpuid(in WHV_RUN_VP_EXIT_CONTEXT exit)
    {
        ref readonly WHV_X64_CPUID_ACCESS_CONTEXT c = ref exit.CpuidAccess;
        uint eax = (uint)c.DefaultResultRax;
        uint ebx = (uint)c.DefaultResultRbx;
        uint ecx = (uint)c.DefaultResultRcx;
        uint edx = (uint)c.DefaultResultRdx;
        WhpCpuidPolicy.Apply(_cpuid, (uint)c.Rax, (uint)c.Rcx, ref eax, ref ebx, ref ecx, ref edx);

        // CPUID writes the 32-bit registers, which zero-extends them in 64-bit mode (SDM Vol. 1 §3.4.1.1).
        Span<WHV_REGISTER_NAME> names =
        [
            WHV_REGISTER_NAME.WHvX64RegisterRax,
            WHV_REGISTER_NAME.WHvX64RegisterRbx,
            WHV_REGISTER_NAME.WHvX64RegisterRcx,
            WHV_REGISTER_NAME.WHvX64RegisterRdx,
            WHV_REGISTER_NAME.WHvX64RegisterRip,
        ];
        Span<WHV_REGISTER_VALUE> values = stackalloc WHV_REGISTER_VALUE[5];
        values[0] = new WHV_REGISTER_VALUE { Reg64 = eax };
        values[1] = new WHV_REGISTER_VALUE { Reg64 = ebx };
        values[2] = new WHV_REGISTER_VALUE { Reg64 = ecx };
        values[3] = new WHV_REGISTER_VALUE { Reg64 = edx };
        values[4] = new WHV_REGISTER_VALUE { Reg64 = exit.VpContext.Rip + LengthOr(exit.VpContext, 2) }; // CPUID 0F A2
        _registers.SetRegisters(names, values);
        return VcpuRunResult.Continue;
    }

    /// <summary>
    /// An exception exit. The only one the partition asks for is #GP, for the WHP quirk where an access to
    /// a synthetic MSR raises #GP instead of an MSR exit (docs/whp.md#msr-quirk): a faulting RDMSR or WRMSR
    /// is given to the handler like an MSR exit; anything else is re-injected unchanged.
    /// </summary>
    [SkipLocalsInit]
    private VcpuRunResult MapException(in WHV_RUN_VP_EXIT_CONTEXT exit, IVcpuExitHandler handler)
    {
        ref readonly WHV_VP_EXCEPTION_CONTEXT e = ref exit.VpException;
        bool hasErrorCode = e.ExceptionInfo.ErrorCodeValid;
        if (e.ExceptionType == Core.Registers.X86Constants.VectorGeneralProtection
            && TryGetInstruction(exit, e.InstructionBytes, e.InstructionByteCount, out Instruction instruction)
            && instruction.Mnemonic is Mnemonic.Rdmsr or Mnemonic.Wrmsr)
        {
            Span<WHV_REGISTER_NAME> names = [WHV_REGISTER_NAME.WHvX64RegisterRax, WHV_REGISTER_NAME.WHvX64RegisterRcx, WHV_REGISTER_NAME.WHvX64RegisterRdx, WHV_REGISTER_NAME.WHvX64RegisterRip];
            Span<WHV_REGISTER_VALUE> values = stackalloc WHV_REGISTER_VALUE[4];
            _registers.GetRegisters(names[..3], values[..3]);
            uint index = (uint)values[1].Reg64;
            MsrAccessResult result;
            if (instruction.Mnemonic == Mnemonic.Wrmsr)
            {
                ulong value = ((values[2].Reg64 & 0xFFFF_FFFF) << 32) | (values[0].Reg64 & 0xFFFF_FFFF);
                result = handler.MsrWrite(_index, index, value);
            }
            else
            {
                result = handler.MsrRead(_index, index, out ulong data);
                values[0] = new WHV_REGISTER_VALUE { Reg64 = data & 0xFFFF_FFFF };
                values[2] = new WHV_REGISTER_VALUE { Reg64 = data >> 32 };
            }

            if (result == MsrAccessResult.Ok)
            {
                values[3] = new WHV_REGISTER_VALUE { Reg64 = exit.VpContext.Rip + (ulong)instruction.Length };
                if (instruction.Mnemonic == Mnemonic.Wrmsr)
                {
                    SetOne(WHV_REGISTER_NAME.WHvX64RegisterRip, values[3].Reg64);
                }
                else
                {
                    // RAX, RDX and RIP (skip RCX, unchanged).
                    names[1] = WHV_REGISTER_NAME.WHvX64RegisterRip;
                    values[1] = values[3];
                    _registers.SetRegisters(names[..3], values[..3]);
                }

                return VcpuRunResult.Continue;
            }
        }

        SetOne(WhpPendingException.Register, WhpPendingException.Create(e.ExceptionType, hasErrorCode, e.ErrorCode, e.ExceptionParameter));
        return VcpuRunResult.Continue;
    }

    /// <summary>The exit's instruction length, or <paramref name="architectural"/> when the exit reports none.</summary>
    private static byte LengthOr(in WHV_VP_EXIT_CONTEXT vp, byte architectural) =>
        vp.InstructionLength != 0 ? vp.InstructionLength : architectural;

    /// <summary>The decoder bitness for the code segment the guest was running in.</summary>
    private static int Bitness(in WHV_VP_EXIT_CONTEXT vp)
    {
        if (vp.ExecutionState.EferLma && vp.Cs.Long)
        {
            return 64;
        }

        return vp.ExecutionState.Cr0Pe && vp.Cs.Default ? 32 : 16;
    }

    [SkipLocalsInit]
    private void SetOne(WHV_REGISTER_NAME name, ulong value) => SetOne(name, new WHV_REGISTER_VALUE { Reg64 = value });

    [SkipLocalsInit]
    private void SetOne(WHV_REGISTER_NAME name, WHV_REGISTER_VALUE value)
    {
        Span<WHV_REGISTER_NAME> names = [name];
        Span<WHV_REGISTER_VALUE> values = [value];
        _registers.SetRegisters(names, values);
    }

    /// <summary>
    /// Decodes the instruction at the exit's RIP from the bytes the exit carried, or, when it carried none,
    /// from guest memory through the VP's page tables.
    /// </summary>
    [SkipLocalsInit]
    private bool TryGetInstruction(in WHV_RUN_VP_EXIT_CONTEXT exit, ReadOnlySpan<byte> carried, byte carriedCount, out Instruction instruction)
    {
        Span<byte> bytes = stackalloc byte[16];
        int count = Math.Min((int)carriedCount, 16);
        if (count > 0)
        {
            carried[..count].CopyTo(bytes);
        }
        else
        {
            ref readonly WHV_VP_EXIT_CONTEXT vp = ref exit.VpContext;
            ulong linear = (Bitness(vp) == 64 ? 0 : vp.Cs.Base) + vp.Rip;
            count = 16;
            if (!TryAccessLinear(linear, bytes, write: false))
            {
                // The instruction may end before a page that is not present: retry up to the page end.
                count = (int)Math.Min(16UL, 0x1000 - (linear & 0xFFF));
                if (!TryAccessLinear(linear, bytes[..count], write: false))
                {
                    instruction = default;
                    return false;
                }
            }
        }

        // The decoder reads from a small array; this is the only allocation on an exit path, and only for
        // MMIO, string I/O and exception exits, which already cost a full user-mode round trip.
        var decoder = Iced.Intel.Decoder.Create(Bitness(exit.VpContext), new ByteArrayCodeReader(bytes[..count].ToArray()), exit.VpContext.Rip);
        decoder.Decode(out instruction);
        return !instruction.IsInvalid && decoder.LastError == DecoderError.None;
    }

    /// <summary>Reads or writes guest memory at a linear address, page by page through the VP's page tables.</summary>
    private bool TryAccessLinear(ulong linear, Span<byte> data, bool write)
    {
        if (_memory is null)
        {
            return false;
        }

        int done = 0;
        while (done < data.Length)
        {
            ulong address = linear + (ulong)done;
            int chunk = (int)Math.Min((ulong)(data.Length - done), 0x1000 - (address & 0xFFF));
            if (!_registers.TryTranslateGva(address, write, out ulong gpa) || !_memory.TryGetSpan(gpa, chunk, out Span<byte> span))
            {
                return false;
            }

            if (write)
            {
                data.Slice(done, chunk).CopyTo(span);
            }
            else
            {
                span.CopyTo(data.Slice(done, chunk));
            }

            done += chunk;
        }

        return true;
    }

    /// <summary>A one-line failure description with the exit context and, when readable, the registers.</summary>
    private string Describe(string what, in WHV_RUN_VP_EXIT_CONTEXT exit)
    {
        var text = new StringBuilder(what);
        ref readonly WHV_VP_EXIT_CONTEXT vp = ref exit.VpContext;
        text.Append(CultureInfo.InvariantCulture, $" at CS:RIP 0x{vp.Cs.Selector:X4}:0x{vp.Rip:X16} RFLAGS 0x{vp.Rflags:X} CPL {vp.ExecutionState.Cpl}");
        text.Append(CultureInfo.InvariantCulture, $" (exit reason 0x{(uint)exit.ExitReason:X}, instruction length {vp.InstructionLength})");
        try
        {
            ReadOnlySpan<WHV_REGISTER_NAME> standard = WhpRegisterConversion.StandardRegisterNames;
            ReadOnlySpan<WHV_REGISTER_NAME> special =
            [
                WHV_REGISTER_NAME.WHvX64RegisterCr0,
                WHV_REGISTER_NAME.WHvX64RegisterCr2,
                WHV_REGISTER_NAME.WHvX64RegisterCr3,
                WHV_REGISTER_NAME.WHvX64RegisterCr4,
                WHV_REGISTER_NAME.WHvX64RegisterEfer,
            ];
            var values = new WHV_REGISTER_VALUE[standard.Length + special.Length];
            _registers.GetRegisters(standard, values);
            _registers.GetRegisters(special, values.AsSpan(standard.Length));
            text.Append(" registers:");
            for (int i = 0; i < standard.Length; i++)
            {
                text.Append(CultureInfo.InvariantCulture, $" {RegisterLabel(standard[i])}=0x{values[i].Reg64:X}");
            }

            for (int i = 0; i < special.Length; i++)
            {
                text.Append(CultureInfo.InvariantCulture, $" {RegisterLabel(special[i])}=0x{values[standard.Length + i].Reg64:X}");
            }
        }
        catch (HypervisorException ex)
        {
            text.Append(CultureInfo.InvariantCulture, $" (registers unreadable: {ex.Message})");
        }

        return text.ToString();
    }

    private static string RegisterLabel(WHV_REGISTER_NAME name) =>
        name.ToString().Replace("WHvX64Register", string.Empty, StringComparison.Ordinal).ToUpperInvariant();
}

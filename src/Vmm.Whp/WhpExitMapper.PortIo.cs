using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Iced.Intel;
using Vmm.Core.Hypervisor;
using static Vmm.Whp.Interop.WinHvPlatform;

namespace Vmm.Whp;

internal sealed partial class WhpExitMapper
{
    /// <summary>
    /// At most this many bytes of one REP INS/OUTS are moved per exit; the instruction then re-executes with
    /// the updated RCX/RSI/RDI, as after an interrupt in the middle of a REP string (SDM Vol. 2B REP).
    /// </summary>
    internal const int MaxStringBytesPerExit = 4096;

    private const ulong RflagsDirection = 1UL << 10;

    [SkipLocalsInit]
    private VcpuRunResult MapPortIo(in WHV_RUN_VP_EXIT_CONTEXT exit, IVcpuExitHandler handler)
    {
        ref readonly WHV_X64_IO_PORT_ACCESS_CONTEXT io = ref exit.IoPortAccess;
        int size = io.AccessInfo.AccessSize;
        if (size is not (1 or 2 or 4))
        {
            return VcpuRunResult.Fault(Describe($"vCPU {_index} port I/O exit with access size {size} at port 0x{io.PortNumber:X}", exit));
        }

        if (io.AccessInfo.StringOp)
        {
            return MapStringPortIo(exit, handler, size);
        }

        byte length = exit.VpContext.InstructionLength;
        if (length == 0)
        {
            if (!TryGetInstruction(exit, io.InstructionBytes, io.InstructionByteCount, out Instruction decoded))
            {
                return VcpuRunResult.Fault(Describe($"vCPU {_index} port I/O exit without an instruction length at port 0x{io.PortNumber:X}", exit));
            }

            length = (byte)decoded.Length;
        }

        ulong nextRip = exit.VpContext.Rip + length;
        Span<byte> data = stackalloc byte[4];
        if (io.AccessInfo.IsWrite)
        {
            // OUT sends AL, AX or EAX (SDM Vol. 2B OUT); the exit carries RAX.
            BinaryPrimitives.WriteUInt32LittleEndian(data, (uint)io.Rax);
            handler.PortWrite(_index, io.PortNumber, data[..size]);
            SetOne(WHV_REGISTER_NAME.WHvX64RegisterRip, nextRip);
            return VcpuRunResult.Continue;
        }

        data.Clear();
        handler.PortRead(_index, io.PortNumber, data[..size]);
        ulong value = BinaryPrimitives.ReadUInt32LittleEndian(data);

        // IN AL/AX keeps the rest of RAX; IN EAX zero-extends into RAX (SDM Vol. 1 §3.4.1.1).
        ulong rax = size == 4 ? value : (io.Rax & ~SizeMask(size)) | value;
        Span<WHV_REGISTER_NAME> names = [WHV_REGISTER_NAME.WHvX64RegisterRax, WHV_REGISTER_NAME.WHvX64RegisterRip];
        Span<WHV_REGISTER_VALUE> values = stackalloc WHV_REGISTER_VALUE[2];
        values[0] = new WHV_REGISTER_VALUE { Reg64 = rax };
        values[1] = new WHV_REGISTER_VALUE { Reg64 = nextRip };
        _registers.SetRegisters(names, values);
        return VcpuRunResult.Continue;
    }

    /// <summary>
    /// INS/OUTS, with or without REP: each element moves between the port and guest memory at DS:rSI
    /// (OUTS, segment overridable) or ES:rDI (INS), through the VP's page tables; rSI/rDI step by the
    /// element size (down when RFLAGS.DF), rCX counts down (SDM Vol. 2A INS, Vol. 2B OUTS).
    /// </summary>
    [SkipLocalsInit]
    private VcpuRunResult MapStringPortIo(in WHV_RUN_VP_EXIT_CONTEXT exit, IVcpuExitHandler handler, int size)
    {
        ref readonly WHV_X64_IO_PORT_ACCESS_CONTEXT io = ref exit.IoPortAccess;
        ref readonly WHV_VP_EXIT_CONTEXT vp = ref exit.VpContext;
        if (!TryGetInstruction(exit, io.InstructionBytes, io.InstructionByteCount, out Instruction instruction)
            || instruction.Mnemonic is not (Mnemonic.Insb or Mnemonic.Insw or Mnemonic.Insd or Mnemonic.Outsb or Mnemonic.Outsw or Mnemonic.Outsd))
        {
            return VcpuRunResult.Fault(Describe($"vCPU {_index} string I/O at port 0x{io.PortNumber:X} with undecodable instruction bytes", exit));
        }

        bool isOut = io.AccessInfo.IsWrite;
        OpKind memoryKind = isOut ? instruction.Op1Kind : instruction.Op0Kind;
        int addressSize = memoryKind switch
        {
            OpKind.MemorySegSI or OpKind.MemoryESDI => 2,
            OpKind.MemorySegESI or OpKind.MemoryESEDI => 4,
            OpKind.MemorySegRSI or OpKind.MemoryESRDI => 8,
            _ => 0,
        };
        if (addressSize == 0)
        {
            return VcpuRunResult.Fault(Describe($"vCPU {_index} string I/O at port 0x{io.PortNumber:X} with unexpected operand {memoryKind}", exit));
        }

        bool is64 = Bitness(vp) == 64;
        ulong addressMask = SizeMask(addressSize);
        ulong segmentBase;
        if (isOut)
        {
            Register segment = instruction.MemorySegment;
            segmentBase = segment switch
            {
                Register.DS => io.Ds.Base,
                Register.ES => io.Es.Base,
                _ => ReadSegmentBase(segment),
            };

            // In 64-bit mode only FS and GS have a base (SDM Vol. 3A §3.4.4).
            if (is64 && segment is not (Register.FS or Register.GS))
            {
                segmentBase = 0;
            }
        }
        else
        {
            segmentBase = is64 ? 0 : io.Es.Base;
        }

        bool rep = io.AccessInfo.RepPrefix;
        ulong remaining = rep ? io.Rcx & addressMask : 1;
        ulong batch = Math.Min(remaining, (ulong)(MaxStringBytesPerExit / size));
        ulong offset = isOut ? io.Rsi : io.Rdi;
        ulong step = (vp.Rflags & RflagsDirection) != 0 ? unchecked((ulong)-size) : (ulong)size;
        Span<byte> element = stackalloc byte[4];
        for (ulong i = 0; i < batch; i++)
        {
            ulong linear = segmentBase + (offset & addressMask);
            if (!is64)
            {
                linear &= 0xFFFF_FFFF;
            }

            Span<byte> data = element[..size];
            if (isOut)
            {
                if (!TryAccessLinear(linear, data, write: false))
                {
                    return VcpuRunResult.Fault(Describe($"vCPU {_index} OUTS to port 0x{io.PortNumber:X} reads untranslatable linear address 0x{linear:X}", exit));
                }

                handler.PortWrite(_index, io.PortNumber, data);
            }
            else
            {
                data.Clear();
                handler.PortRead(_index, io.PortNumber, data);
                if (!TryAccessLinear(linear, data, write: true))
                {
                    return VcpuRunResult.Fault(Describe($"vCPU {_index} INS from port 0x{io.PortNumber:X} writes untranslatable linear address 0x{linear:X}", exit));
                }
            }

            // Only the address-size part of the index register counts and wraps (KVM's emulator does the same
            // masked update, register_address_increment).
            offset = (offset & ~addressMask) | ((offset + step) & addressMask);
        }

        remaining -= batch;
        Span<WHV_REGISTER_NAME> names = stackalloc WHV_REGISTER_NAME[3];
        Span<WHV_REGISTER_VALUE> values = stackalloc WHV_REGISTER_VALUE[3];
        int n = 0;
        names[n] = isOut ? WHV_REGISTER_NAME.WHvX64RegisterRsi : WHV_REGISTER_NAME.WHvX64RegisterRdi;
        values[n++] = new WHV_REGISTER_VALUE { Reg64 = offset };
        if (rep)
        {
            names[n] = WHV_REGISTER_NAME.WHvX64RegisterRcx;
            values[n++] = new WHV_REGISTER_VALUE { Reg64 = (io.Rcx & ~addressMask) | (remaining & addressMask) };
        }

        if (remaining == 0)
        {
            names[n] = WHV_REGISTER_NAME.WHvX64RegisterRip;
            values[n++] = new WHV_REGISTER_VALUE { Reg64 = vp.Rip + LengthOr(vp, (byte)instruction.Length) };
        }

        _registers.SetRegisters(names[..n], values[..n]);
        return VcpuRunResult.Continue;
    }

    private ulong ReadSegmentBase(Register segment)
    {
        WHV_REGISTER_NAME name = segment switch
        {
            Register.ES => WHV_REGISTER_NAME.WHvX64RegisterEs,
            Register.CS => WHV_REGISTER_NAME.WHvX64RegisterCs,
            Register.SS => WHV_REGISTER_NAME.WHvX64RegisterSs,
            Register.FS => WHV_REGISTER_NAME.WHvX64RegisterFs,
            Register.GS => WHV_REGISTER_NAME.WHvX64RegisterGs,
            _ => WHV_REGISTER_NAME.WHvX64RegisterDs,
        };
        Span<WHV_REGISTER_NAME> names = [name];
        Span<WHV_REGISTER_VALUE> values = [default];
        _registers.GetRegisters(names, values);
        return values[0].Segment.Base;
    }

    private static ulong SizeMask(int bytes) => bytes >= 8 ? ulong.MaxValue : (1UL << (bytes * 8)) - 1;
}

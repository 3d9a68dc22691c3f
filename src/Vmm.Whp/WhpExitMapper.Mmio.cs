using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Iced.Intel;
using Vmm.Core.Hypervisor;
using static Vmm.Whp.Interop.WinHvPlatform;

namespace Vmm.Whp;

internal sealed partial class WhpExitMapper
{
    /// <summary>
    /// A read or write of unmapped guest-physical memory. WHP reports the GPA and the instruction bytes, not
    /// the access (docs/whp.md#exit-context), so the instruction is decoded with Iced and emulated: MOV to memory
    /// from a register or an immediate, MOV/MOVZX/MOVSX/MOVSXD from memory to a register, each 1-8 bytes.
    /// That covers what compilers emit for device registers (Linux readb..readq/writeb..writeq are plain
    /// MOVs). Anything else is a <see cref="VcpuExitKind.Fault"/> naming the instruction.
    /// </summary>
    [SkipLocalsInit]
    private VcpuRunResult MapMemoryAccess(in WHV_RUN_VP_EXIT_CONTEXT exit, IVcpuExitHandler handler)
    {
        ref readonly WHV_MEMORY_ACCESS_CONTEXT m = ref exit.MemoryAccess;
        WHV_MEMORY_ACCESS_TYPE access = m.AccessInfo.AccessType;
        if (access == WHV_MEMORY_ACCESS_TYPE.WHvMemoryAccessExecute)
        {
            return VcpuRunResult.Fault(Describe($"vCPU {_index} executes from unbacked GPA 0x{m.Gpa:X}", exit));
        }

        if (!TryGetInstruction(exit, m.InstructionBytes, m.InstructionByteCount, out Instruction instruction))
        {
            return VcpuRunResult.Fault(Describe($"vCPU {_index} MMIO at GPA 0x{m.Gpa:X} with undecodable instruction bytes", exit));
        }

        bool isWrite = access == WHV_MEMORY_ACCESS_TYPE.WHvMemoryAccessWrite;
        int size = instruction.MemorySize.GetSize();
        ulong nextRip = exit.VpContext.Rip + (ulong)instruction.Length;
        Span<byte> data = stackalloc byte[8];
        if (size is 1 or 2 or 4 or 8 && instruction.OpCount == 2)
        {
            if (isWrite && instruction.Mnemonic == Mnemonic.Mov && instruction.Op0Kind == OpKind.Memory)
            {
                ulong value;
                if (instruction.Op1Kind == OpKind.Register && TryGetGpr(instruction.Op1Register, out GprSlot source))
                {
                    value = (ReadGpr(source.Name) >> source.Shift) & SizeMask(source.Size);
                }
                else if (IsImmediate(instruction.Op1Kind))
                {
                    value = instruction.GetImmediate(1);
                }
                else
                {
                    return Unsupported(exit, instruction);
                }

                BinaryPrimitives.WriteUInt64LittleEndian(data, value);
                handler.MmioWrite(_index, m.Gpa, data[..size]);
                SetOne(WHV_REGISTER_NAME.WHvX64RegisterRip, nextRip);
                return VcpuRunResult.Continue;
            }

            if (!isWrite
                && instruction.Mnemonic is Mnemonic.Mov or Mnemonic.Movzx or Mnemonic.Movsx or Mnemonic.Movsxd
                && instruction.Op0Kind == OpKind.Register
                && instruction.Op1Kind == OpKind.Memory
                && TryGetGpr(instruction.Op0Register, out GprSlot destination))
            {
                data.Clear();
                handler.MmioRead(_index, m.Gpa, data[..size]);
                ulong value = BinaryPrimitives.ReadUInt64LittleEndian(data);
                if (instruction.Mnemonic is Mnemonic.Movsx or Mnemonic.Movsxd)
                {
                    int unused = 64 - (size * 8);
                    value = (ulong)((long)(value << unused) >> unused);
                }

                // 8- and 16-bit destinations keep the rest of the register (AH..BH are bits 15:8); a 32-bit
                // destination zero-extends into the 64-bit register (SDM Vol. 1 §3.4.1.1).
                ulong old = destination.Size < 4 ? ReadGpr(destination.Name) : 0;
                ulong merged = destination.Size switch
                {
                    1 => (old & ~(0xFFUL << destination.Shift)) | ((value & 0xFF) << destination.Shift),
                    2 => (old & ~0xFFFFUL) | (value & 0xFFFF),
                    4 => value & 0xFFFF_FFFF,
                    _ => value,
                };
                Span<WHV_REGISTER_NAME> names = [destination.Name, WHV_REGISTER_NAME.WHvX64RegisterRip];
                Span<WHV_REGISTER_VALUE> values = stackalloc WHV_REGISTER_VALUE[2];
                values[0] = new WHV_REGISTER_VALUE { Reg64 = merged };
                values[1] = new WHV_REGISTER_VALUE { Reg64 = nextRip };
                _registers.SetRegisters(names, values);
                return VcpuRunResult.Continue;
            }
        }

        return Unsupported(exit, instruction);
    }

    private VcpuRunResult Unsupported(in WHV_RUN_VP_EXIT_CONTEXT exit, in Instruction instruction)
    {
        string kind = exit.MemoryAccess.AccessInfo.AccessType == WHV_MEMORY_ACCESS_TYPE.WHvMemoryAccessWrite ? "write" : "read";
        return VcpuRunResult.Fault(Describe($"vCPU {_index} MMIO {kind} at GPA 0x{exit.MemoryAccess.Gpa:X} by an instruction vmm does not emulate: '{instruction}'", exit));
    }

    [SkipLocalsInit]
    private ulong ReadGpr(WHV_REGISTER_NAME name)
    {
        Span<WHV_REGISTER_NAME> names = [name];
        Span<WHV_REGISTER_VALUE> values = stackalloc WHV_REGISTER_VALUE[1];
        _registers.GetRegisters(names, values);
        return values[0].Reg64;
    }

    /// <summary>Maps an Iced general-purpose register to the WHV register holding it, its bit offset and size.</summary>
    internal static bool TryGetGpr(Register register, out GprSlot slot)
    {
        // AH, CH, DH, BH: bits 15:8 of RAX, RCX, RDX, RBX.
        if (register is >= Register.AH and <= Register.BH)
        {
            slot = new GprSlot((WHV_REGISTER_NAME)(register - Register.AH), 8, 1);
            return true;
        }

        Register full = register.GetFullRegister();
        if (full is < Register.RAX or > Register.R15)
        {
            slot = default;
            return false;
        }

        // Iced and WHV both number RAX..R15 in hardware encoding order (WHV_REGISTER_NAME 0x00-0x0F).
        slot = new GprSlot((WHV_REGISTER_NAME)(full - Register.RAX), 0, register.GetSize());
        return true;
    }

    private static bool IsImmediate(OpKind kind) => kind is OpKind.Immediate8 or OpKind.Immediate16 or OpKind.Immediate32
        or OpKind.Immediate64 or OpKind.Immediate8to16 or OpKind.Immediate8to32 or OpKind.Immediate8to64 or OpKind.Immediate32to64;

    /// <summary>Where a general-purpose register operand lives.</summary>
    /// <param name="Name">The 64-bit register.</param>
    /// <param name="Shift">Bit offset of the operand (8 for AH..BH).</param>
    /// <param name="Size">Operand size in bytes.</param>
    internal readonly record struct GprSlot(WHV_REGISTER_NAME Name, int Shift, int Size);
}

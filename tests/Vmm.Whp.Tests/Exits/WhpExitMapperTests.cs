using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Vmm.Core.Hypervisor;
using static Vmm.Whp.Interop.WinHvPlatform;

namespace Vmm.Whp.Tests.Exits;

/// <summary>
/// The shared exit rows through the real <see cref="WhpExitMapper"/>. Each exit context is written byte by
/// byte at the offsets of docs/whp.md#exit-context (WinHvPlatformDefs.h), never through the C# fields, so a
/// wrong field offset in the struct fails here too.
/// </summary>
public sealed class WhpExitMapperTests
{
    private static readonly Dictionary<string, WHV_REGISTER_NAME> s_gprNames = new()
    {
        ["rax"] = WHV_REGISTER_NAME.WHvX64RegisterRax,
        ["rcx"] = WHV_REGISTER_NAME.WHvX64RegisterRcx,
        ["rdx"] = WHV_REGISTER_NAME.WHvX64RegisterRdx,
        ["rbx"] = WHV_REGISTER_NAME.WHvX64RegisterRbx,
        ["rsi"] = WHV_REGISTER_NAME.WHvX64RegisterRsi,
        ["rdi"] = WHV_REGISTER_NAME.WHvX64RegisterRdi,
        ["r8"] = WHV_REGISTER_NAME.WHvX64RegisterR8,
    };

    [Theory]
    [MemberData(nameof(BackendExitCases.Names), MemberType = typeof(BackendExitCases))]
    public void Exit_matches_the_shared_expectation(string name)
    {
        BackendExitCase row = BackendExitCases.Get(name);
        byte[] bytes = BuildExitContext(row);
        var registers = new FakeRegisterAccess();
        foreach ((string reg, ulong value) in row.Registers)
        {
            registers.Values[s_gprNames[reg]] = new WHV_REGISTER_VALUE { Reg64 = value };
        }

        registers.Values[WHV_REGISTER_NAME.WHvX64RegisterRip] = new WHV_REGISTER_VALUE { Reg64 = BackendExitCase.Rip };
        var handler = new RecordingHandler { ReadValue = row.DeviceValue, Fault = row.Fault, Answer = row.Answer };
        var mapper = new WhpExitMapper(0, registers, memory: null, cpuid: null);

        VcpuRunResult result = mapper.Map(MemoryMarshal.Read<WHV_RUN_VP_EXIT_CONTEXT>(bytes), handler);

        VcpuExitKind expectedKind = row.Kind switch
        {
            ExitCaseKind.Halt => VcpuExitKind.Halted,
            ExitCaseKind.Cancel => VcpuExitKind.Canceled,
            _ => VcpuExitKind.Continue,
        };
        Assert.Equal(expectedKind, result.Kind);
        Assert.Equal(row.ExpectedCalls ?? [], handler.Calls);
        foreach ((string reg, ulong value) in row.ExpectedRegisters ?? new Dictionary<string, ulong>())
        {
            Assert.Equal(value, registers.Values[s_gprNames[reg]].Reg64);
        }

        ulong expectedRip = BackendExitCase.Rip + (row.AdvancesRip ? (ulong)row.Instruction.Length : 0);
        Assert.Equal(expectedRip, registers.Values[WHV_REGISTER_NAME.WHvX64RegisterRip].Reg64);
        Assert.Equal(row.AdvancesRip, registers.Wrote(WHV_REGISTER_NAME.WHvX64RegisterRip));

        if (row.ExpectedException is byte vector)
        {
            WHV_X64_PENDING_EXCEPTION_EVENT e = registers.Values[WHV_REGISTER_NAME.WHvRegisterPendingEvent].ExceptionEvent;
            Assert.True(e.EventPending);
            Assert.Equal(WHV_X64_PENDING_EVENT_TYPE.WHvX64PendingEventException, e.EventType);
            Assert.Equal(vector, e.Vector);
            Assert.Equal(vector == 13, e.DeliverErrorCode); // #GP(0) has an error code, #UD none
            Assert.Equal(0u, e.ErrorCode);
        }
        else
        {
            Assert.False(registers.Wrote(WHV_REGISTER_NAME.WHvRegisterPendingEvent));
        }

        // Registers the row does not name are untouched (only RIP, the named ones and the event may change).
        foreach ((WHV_REGISTER_NAME written, _) in registers.Writes)
        {
            bool allowed = written is WHV_REGISTER_NAME.WHvX64RegisterRip or WHV_REGISTER_NAME.WHvRegisterPendingEvent
                || (row.ExpectedRegisters?.Keys.Any(k => s_gprNames[k] == written) ?? false);
            Assert.True(allowed, $"unexpected write to {written}");
        }
    }

    [Fact]
    public void Hypercall_write_back_is_one_batch()
    {
        BackendExitCase row = BackendExitCases.Get("hypercall fast, complete");
        var registers = new FakeRegisterAccess();
        var mapper = new WhpExitMapper(0, registers, null, null);
        mapper.Map(MemoryMarshal.Read<WHV_RUN_VP_EXIT_CONTEXT>(BuildExitContext(row)), new RecordingHandler { ReadValue = 0x1234 });
        Assert.Equal(1, registers.SetCalls);
        Assert.Equal(0x1234UL, registers.Values[WHV_REGISTER_NAME.WHvX64RegisterRax].Reg64);
    }

    [Fact]
    public void Hypercall_without_hypercall_exit_length_advances_by_three()
    {
        BackendExitCase row = BackendExitCases.Get("hypercall fast, complete");
        byte[] bytes = BuildExitContext(row);
        bytes[10] = 0; // no instruction length reported
        var registers = new FakeRegisterAccess();
        new WhpExitMapper(0, registers, null, null).Map(MemoryMarshal.Read<WHV_RUN_VP_EXIT_CONTEXT>(bytes), new RecordingHandler());
        Assert.Equal(BackendExitCase.Rip + 3, registers.Values[WHV_REGISTER_NAME.WHvX64RegisterRip].Reg64);
    }

    [Fact]
    public void Cpuid_uses_the_default_unless_the_table_overrides()
    {
        var table = new CpuidTable(
        [
            new CpuidEntry(1, 0, false, 0, 0, 1u << 31, 0),
            new CpuidEntry(0x4000_0000, 0, false, 0x4000_0005, 0x7263_694D, 0x666F_736F, 0x7648_2074),
        ]);

        (ulong Rax, ulong Rbx, ulong Rcx, ulong Rdx) Run(uint leaf, ulong defaultEcx)
        {
            byte[] b = NewContext(WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonX64Cpuid, instructionLength: 2);
            Put64(b, 48, 0xFFFF_FFFF_0000_0000 | leaf); // RAX input: the upper half is ignored
            Put64(b, 80, 0x11);                          // DefaultResultRax
            Put64(b, 88, defaultEcx);                    // DefaultResultRcx
            Put64(b, 96, 0x33);                          // DefaultResultRdx
            Put64(b, 104, 0x22);                         // DefaultResultRbx
            var r = new FakeRegisterAccess();
            Assert.Equal(VcpuExitKind.Continue, new WhpExitMapper(0, r, null, table).Map(MemoryMarshal.Read<WHV_RUN_VP_EXIT_CONTEXT>(b), new RecordingHandler()).Kind);
            Assert.Equal(BackendExitCase.Rip + 2, r.Values[WHV_REGISTER_NAME.WHvX64RegisterRip].Reg64);
            return (r.Values[WHV_REGISTER_NAME.WHvX64RegisterRax].Reg64, r.Values[WHV_REGISTER_NAME.WHvX64RegisterRbx].Reg64,
                r.Values[WHV_REGISTER_NAME.WHvX64RegisterRcx].Reg64, r.Values[WHV_REGISTER_NAME.WHvX64RegisterRdx].Reg64);
        }

        Assert.Equal((0x11UL, 0x22UL, 0x8000_0044UL, 0x33UL), Run(1, 0x44));           // leaf 1: only ECX[31] from the table
        Assert.Equal((0x11UL, 0x22UL, 0x44UL, 0x33UL), Run(7, 0x44));                  // not overridden: default
        Assert.Equal((0x4000_0005UL, 0x7263_694DUL, 0x666F_736FUL, 0x7648_2074UL), Run(0x4000_0000, 0x44)); // "Microsoft Hv"
    }

    [Fact]
    public void Rep_outsb_reads_guest_memory_and_counts_down()
    {
        using var memory = Core.Memory.GuestMemory.CreateNative(0x10000);
        Assert.True(memory.TryGetSpan(0x2000, 3, out Span<byte> source));
        "abc"u8.CopyTo(source);
        byte[] b = NewContext(WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonX64IoPortAccess, instructionLength: 2);
        PutInstruction(b, [0xF3, 0x6E]); // rep outsb
        Put32(b, 68, 1 | (1 << 1) | (1 << 4) | (1 << 5)); // write, size 1, string, rep
        Put16(b, 72, 0x3F8);
        Put64(b, 88, 3);      // RCX
        Put64(b, 96, 0x2000); // RSI
        var registers = new FakeRegisterAccess();
        var handler = new RecordingHandler();
        new WhpExitMapper(0, registers, memory, null).Map(MemoryMarshal.Read<WHV_RUN_VP_EXIT_CONTEXT>(b), handler);
        Assert.Equal(["PortWrite(0x3F8, 61)", "PortWrite(0x3F8, 62)", "PortWrite(0x3F8, 63)"], handler.Calls);
        Assert.Equal(0x2003UL, registers.Values[WHV_REGISTER_NAME.WHvX64RegisterRsi].Reg64);
        Assert.Equal(0UL, registers.Values[WHV_REGISTER_NAME.WHvX64RegisterRcx].Reg64);
        Assert.Equal(BackendExitCase.Rip + 2, registers.Values[WHV_REGISTER_NAME.WHvX64RegisterRip].Reg64);
    }

    [Fact]
    public void Insw_writes_guest_memory()
    {
        using var memory = Core.Memory.GuestMemory.CreateNative(0x10000);
        byte[] b = NewContext(WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonX64IoPortAccess, instructionLength: 2);
        PutInstruction(b, [0x66, 0x6D]); // insw
        Put32(b, 68, (2 << 1) | (1 << 4)); // read, size 2, string
        Put16(b, 72, 0x1F0);
        Put64(b, 104, 0x3000); // RDI
        var registers = new FakeRegisterAccess();
        var handler = new RecordingHandler { ReadValue = 0xA55A };
        new WhpExitMapper(0, registers, memory, null).Map(MemoryMarshal.Read<WHV_RUN_VP_EXIT_CONTEXT>(b), handler);
        Assert.True(memory.TryGetSpan(0x3000, 2, out Span<byte> written));
        Assert.Equal(new byte[] { 0x5A, 0xA5 }, written.ToArray());
        Assert.Equal(0x3002UL, registers.Values[WHV_REGISTER_NAME.WHvX64RegisterRdi].Reg64);
        Assert.False(registers.Wrote(WHV_REGISTER_NAME.WHvX64RegisterRcx));
    }

    [Fact]
    public void Unsupported_mmio_instruction_is_a_fault_not_an_exception()
    {
        byte[] b = NewContext(WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonMemoryAccess, instructionLength: 0);
        PutInstruction(b, [0xF0, 0x0F, 0xC1, 0x03]); // lock xadd [rbx], eax
        Put32(b, 68, 1);
        Put64(b, 72, 0xD000_0000);
        VcpuRunResult result = new WhpExitMapper(0, new FakeRegisterAccess(), null, null).Map(MemoryMarshal.Read<WHV_RUN_VP_EXIT_CONTEXT>(b), new RecordingHandler());
        Assert.Equal(VcpuExitKind.Fault, result.Kind);
        Assert.Contains("xadd", result.Diagnostic, StringComparison.Ordinal);
        Assert.Contains("RAX=", result.Diagnostic, StringComparison.Ordinal);
    }

    [Fact]
    public void Unrecoverable_exception_is_a_shutdown_with_registers()
    {
        byte[] b = NewContext(WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonUnrecoverableException, instructionLength: 0);
        VcpuRunResult result = new WhpExitMapper(2, new FakeRegisterAccess(), null, null).Map(MemoryMarshal.Read<WHV_RUN_VP_EXIT_CONTEXT>(b), new RecordingHandler());
        Assert.Equal(VcpuExitKind.Shutdown, result.Kind);
        Assert.Contains("vCPU 2", result.Diagnostic, StringComparison.Ordinal);
        Assert.Contains("RIP=", result.Diagnostic, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_vp_state_is_a_fault()
    {
        byte[] b = NewContext(WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonInvalidVpRegisterValue, instructionLength: 0);
        Assert.Equal(VcpuExitKind.Fault, new WhpExitMapper(0, new FakeRegisterAccess(), null, null).Map(MemoryMarshal.Read<WHV_RUN_VP_EXIT_CONTEXT>(b), new RecordingHandler()).Kind);
    }

    /// <summary>The exit context for a row, at the header offsets (absolute within the 224 bytes).</summary>
    internal static byte[] BuildExitContext(BackendExitCase row)
    {
        ulong Reg(string name) => row.Registers.GetValueOrDefault(name);
        int length = row.Instruction.Length;
        switch (row.Kind)
        {
            case ExitCaseKind.PortIn or ExitCaseKind.PortOut:
            {
                byte[] b = NewContext(WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonX64IoPortAccess, length);
                PutInstruction(b, row.Instruction);
                Put32(b, 68, (row.Kind == ExitCaseKind.PortOut ? 1u : 0u) | ((uint)row.Size << 1)); // IsWrite 0, AccessSize 3:1
                Put16(b, 72, row.Port);
                Put64(b, 80, Reg("rax"));
                Put64(b, 88, Reg("rcx"));
                return b;
            }

            case ExitCaseKind.MmioRead or ExitCaseKind.MmioWrite:
            {
                // The hardware reports no instruction length for EPT/NPT faults; the mapper decodes it.
                byte[] b = NewContext(WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonMemoryAccess, 0);
                PutInstruction(b, row.Instruction);
                Put32(b, 68, row.Kind == ExitCaseKind.MmioWrite ? 1u : 0u); // AccessType 1:0, GpaUnmapped 2
                Put64(b, 72, row.Address);
                return b;
            }

            case ExitCaseKind.MsrRead or ExitCaseKind.MsrWrite:
            {
                byte[] b = NewContext(WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonX64MsrAccess, length);
                Put32(b, 48, row.Kind == ExitCaseKind.MsrWrite ? 1u : 0u);
                Put32(b, 52, row.Msr);
                Put64(b, 56, Reg("rax"));
                Put64(b, 64, Reg("rdx"));
                return b;
            }

            case ExitCaseKind.Hypercall:
            {
                byte[] b = NewContext(WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonHypercall, length);
                Put64(b, 48, Reg("rax"));
                Put64(b, 56, Reg("rbx"));
                Put64(b, 64, Reg("rcx"));
                Put64(b, 72, Reg("rdx"));
                Put64(b, 80, Reg("r8"));
                for (int i = 0; i < (row.Xmm?.Length ?? 0); i++)
                {
                    Put64(b, 112 + (16 * i), (ulong)row.Xmm![i]);
                    Put64(b, 120 + (16 * i), (ulong)(row.Xmm[i] >> 64));
                }

                return b;
            }

            case ExitCaseKind.Halt:
                return NewContext(WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonX64Halt, length);

            default:
                return NewContext(WHV_RUN_VP_EXIT_REASON.WHvRunVpExitReasonCanceled, 0);
        }
    }

    /// <summary>A 224-byte context in 64-bit mode at CPL 0 with RIP = <see cref="BackendExitCase.Rip"/>.</summary>
    private static byte[] NewContext(WHV_RUN_VP_EXIT_REASON reason, int instructionLength)
    {
        var b = new byte[224];
        Put32(b, 0, (uint)reason);
        Put16(b, 8, (1 << 2) | (1 << 4));         // ExecutionState: Cpl 0, Cr0Pe, EferLma
        b[10] = (byte)instructionLength;          // InstructionLength 3:0, Cr8 7:4
        Put16(b, 28, 0x08);                       // Cs.Selector
        Put16(b, 30, 0xB | (1 << 4) | (1 << 7) | (1 << 13)); // Cs.Attributes: code, S, P, L
        Put64(b, 32, BackendExitCase.Rip);
        Put64(b, 40, 0x2);                        // Rflags
        return b;
    }

    private static void PutInstruction(byte[] b, byte[] instruction)
    {
        b[48] = (byte)instruction.Length;          // InstructionByteCount
        instruction.CopyTo(b, 52);                 // InstructionBytes[16]
    }

    private static void Put16(byte[] b, int offset, int value) => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(offset), (ushort)value);

    private static void Put32(byte[] b, int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(offset), value);

    private static void Put64(byte[] b, int offset, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(offset), value);
}

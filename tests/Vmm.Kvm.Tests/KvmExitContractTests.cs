using System.Globalization;
using System.Runtime.Versioning;
using Vmm.Core.Boot.X86;
using Vmm.Core.Hypervisor;
using Vmm.Core.Machine;
using Vmm.Core.Memory;
using Vmm.Core.Registers;
using Vmm.Whp.Tests.Exits;

namespace Vmm.Kvm.Tests;

/// <summary>
/// The backend contract suite on KVM: every shared exit row (BackendExitCases, also run through the WHP exit
/// mapping from hand-built exit contexts) executed by a real guest under /dev/kvm, through the real KVM exit
/// servicing, into the same recording handler. Both backends must produce the same handler calls, the same
/// registers afterwards, the same RIP movement and the same pending exception.
/// </summary>
[Collection(KvmCollection.Name)]
[SupportedOSPlatform("linux")]
public sealed class KvmExitContractTests
{
    private const ulong Code = 0x10_0000;
    private const ulong HypercallPage = 0x11_0000;
    private const ulong XmmData = 0x12_0000;
    private const byte MarkerPort = 0xE7;

    private static readonly Dictionary<string, string> s_notOnKvm = new()
    {
        ["hlt"] = "with KVM's in-kernel irqchip a HLT blocks in the kernel and never reaches userspace",
    };

    [Theory]
    [MemberData(nameof(BackendExitCases.Names), MemberType = typeof(BackendExitCases))]
    public void KvmProducesTheSharedHandlerCallsAndRegisters(string name)
    {
        KvmFixture.SkipUnlessKvm();
        Assert.SkipWhen(s_notOnKvm.TryGetValue(name, out string? why), $"not an exit on KVM: {why}");
        BackendExitCase row = BackendExitCases.Get(name);

        using KvmHypervisor kvm = KvmHypervisor.Open();
        using var memory = new GuestMemory([new GuestMemoryRegion(0, kvm.AllocateGuestMemory(16UL << 20))]);
        var env = LongModeEnvironment.Build(memory, 1);
        using IPartition partition = kvm.CreatePartition(new PartitionOptions
        {
            ProcessorCount = 1,
            Memory = memory,
            Cpuid = Machine.DefaultCpuidPolicy(kvm.GetSupportedCpuid()),
            UserspaceMsrRanges = [new MsrRange(0x4000_0000, 0x4000_00FF)],
            EnableHypercalls = true,
        });
        (ulong instruction, ulong marker) = WriteGuest(memory, row, partition.HypercallPageCode);
        IVirtualProcessor vp = partition.Processors[0];
        vp.GetSpecialRegisters(out SpecialRegisters defaults);
        VcpuBootState boot = env.GetBootState(0, Code, defaults);
        vp.SetSpecialRegisters(boot.Special);
        vp.SetRegisters(boot.Registers);

        var recorder = new RecordingHandler { ReadValue = row.DeviceValue, Fault = row.Fault, Answer = row.Answer };
        var handler = new CaseHandler(recorder);
        vp.PrepareRunThread();
        try
        {
            if (row.Kind == ExitCaseKind.Cancel)
            {
                vp.Kick();
                Assert.Equal(VcpuExitKind.Canceled, vp.Run(handler).Kind);
                Assert.Empty(recorder.Calls);
                return;
            }

            for (int i = 0; i < 20 && !handler.Done; i++)
            {
                VcpuRunResult result = vp.Run(handler);
                Assert.True(result.Kind is VcpuExitKind.Continue or VcpuExitKind.Canceled, $"run {i}: {result}");
                if (row.Answer == HypercallAnswer.Continue && recorder.Calls.Count > 0)
                {
                    break; // look at the state the continuation left, before the guest re-executes the call
                }
            }
        }
        finally
        {
            vp.ReleaseRunThread();
        }

        Assert.Equal(row.ExpectedCalls ?? [], recorder.Calls);
        if (row.Kind == ExitCaseKind.Hypercall)
        {
            // What traces show as the call's address: the trapping instruction itself, on every KVM flavour.
            Assert.Equal(instruction, handler.HypercallInstructionPointer);
        }

        vp.GetRegisters(out StandardRegisters after);
        foreach ((string register, ulong value) in row.ExpectedRegisters ?? new Dictionary<string, ulong>())
        {
            Assert.True(value == Read(after, register), $"{register} is 0x{Read(after, register):X}, expected 0x{value:X}");
        }

        if (row.ExpectedException is byte vector)
        {
            Assert.Equal((int)vector, handler.ReportedVector);
            bool hasErrorCode = vector is 8 or 10 or 11 or 12 or 13 or 14 or 17;
            ulong faultRip = memory.Read<ulong>(after.Rsp + (hasErrorCode ? 8UL : 0UL));
            Assert.Equal(instruction, faultRip); // a fault reports the instruction itself: RIP did not advance
        }
        else if (row.AdvancesRip)
        {
            Assert.True(handler.MarkerSeen, "the guest never got past the instruction");
            Assert.Equal(marker + 2, after.Rip);
        }
        else
        {
            Assert.Equal(instruction, after.Rip); // a continued hypercall re-executes its call instruction
        }
    }

    /// <summary>Code: load XMM (if any), load the row's registers, the instruction, then a marker OUT and a spin.</summary>
    private static (ulong Instruction, ulong Marker) WriteGuest(GuestMemory memory, BackendExitCase row, ReadOnlySpan<byte> hypercallPage)
    {
        var code = new List<byte>();
        if (row.Xmm is { } xmm)
        {
            for (int i = 0; i < xmm.Length; i++)
            {
                memory.Write(XmmData + ((ulong)i * 16), xmm[i]);
                code.AddRange([0x48, 0xB8, .. BitConverter.GetBytes(XmmData + ((ulong)i * 16))]); // mov rax, imm64
                code.AddRange([0xF3, 0x0F, 0x6F, (byte)(i << 3)]);                                  // movdqu xmmi, [rax]
            }
        }

        foreach ((string register, ulong value) in OperandRegisters(row))
        {
            int number = RegisterNumber(register);
            code.AddRange([(byte)(0x48 | (number >= 8 ? 1 : 0)), (byte)(0xB8 + (number & 7)), .. BitConverter.GetBytes(value)]); // mov r64, imm64
        }

        ulong instruction;
        if (row.Kind == ExitCaseKind.Hypercall)
        {
            // KVM's transport: the guest calls the hypercall page the backend writes, whose stub traps with `out 0xE8, al`.
            memory.Write(HypercallPage, hypercallPage.ToArray());
            code.AddRange([0x49, 0xBB, .. BitConverter.GetBytes(HypercallPage)]);                 // mov r11, page
            code.AddRange([0x41, 0xFF, 0xD3]);                                                   // call r11
            instruction = HypercallPage + (ulong)hypercallPage.IndexOf((byte)0xE6);
        }
        else
        {
            instruction = Code + (ulong)code.Count;
            code.AddRange(row.Instruction);
        }

        ulong marker = Code + (ulong)code.Count;
        code.AddRange([0xE6, MarkerPort, 0xEB, 0xFE]);                                           // out 0xE7, al; jmp $
        memory.Write(Code, code.ToArray());
        return (instruction, marker);
    }

    /// <summary>
    /// The row's registers, made to agree with its operands: WHP's exit context states the port, MSR index and MMIO
    /// address as fields, while a real CPU takes them from DX, ECX and the instruction's base register.
    /// </summary>
    private static Dictionary<string, ulong> OperandRegisters(BackendExitCase row)
    {
        var regs = new Dictionary<string, ulong>(row.Registers);
        switch (row.Kind)
        {
            case ExitCaseKind.PortIn or ExitCaseKind.PortOut:
                regs["rdx"] = (regs.GetValueOrDefault("rdx") & ~0xFFFFUL) | row.Port;
                break;
            case ExitCaseKind.MsrRead or ExitCaseKind.MsrWrite:
                regs["rcx"] = (regs.GetValueOrDefault("rcx") & ~0xFFFF_FFFFUL) | row.Msr;
                break;
            case ExitCaseKind.MmioRead or ExitCaseKind.MmioWrite:
                Iced.Intel.Instruction decoded = Iced.Intel.Decoder.Create(64, row.Instruction).Decode();
                regs[decoded.MemoryBase.ToString().ToLowerInvariant()] = row.Address;
                break;
            case ExitCaseKind.Hypercall:
                regs.TryAdd("rdx", 0);
                regs.TryAdd("r8", 0);
                break;
        }

        return regs;
    }

    private static int RegisterNumber(string name) => name switch
    {
        "rax" => 0, "rcx" => 1, "rdx" => 2, "rbx" => 3, "rsp" => 4, "rbp" => 5, "rsi" => 6, "rdi" => 7,
        _ when name.StartsWith('r') => int.Parse(name[1..], CultureInfo.InvariantCulture),
        _ => throw new ArgumentException(name),
    };

    private static ulong Read(in StandardRegisters r, string name) => name switch
    {
        "rax" => r.Rax, "rbx" => r.Rbx, "rcx" => r.Rcx, "rdx" => r.Rdx, "rsi" => r.Rsi, "rdi" => r.Rdi,
        "rsp" => r.Rsp, "rbp" => r.Rbp, "r8" => r.R8, "r9" => r.R9, "r10" => r.R10, "r11" => r.R11,
        _ => throw new ArgumentException(name),
    };

    /// <summary>Forwards to the shared recorder, except the marker port and the environment's exception reports.</summary>
    private sealed class CaseHandler(RecordingHandler inner) : IVcpuExitHandler
    {
        public bool MarkerSeen { get; private set; }

        public int ReportedVector { get; private set; } = -1;

        public bool Done => MarkerSeen || ReportedVector >= 0;

        public void PortRead(int processorIndex, ushort port, Span<byte> data) => inner.PortRead(processorIndex, port, data);

        public void PortWrite(int processorIndex, ushort port, ReadOnlySpan<byte> data)
        {
            if (port == MarkerPort && data.Length == 1)
            {
                MarkerSeen = true;
            }
            else if (port == Core.Devices.StandardPorts.GuestExit && data.Length == 4
                && GuestExitStatus.IsUnexpectedVector(BitConverter.ToUInt32(data), out byte vector))
            {
                ReportedVector = vector;
            }
            else
            {
                inner.PortWrite(processorIndex, port, data);
            }
        }

        public void MmioRead(int processorIndex, ulong address, Span<byte> data) => inner.MmioRead(processorIndex, address, data);

        public void MmioWrite(int processorIndex, ulong address, ReadOnlySpan<byte> data) => inner.MmioWrite(processorIndex, address, data);

        public MsrAccessResult MsrRead(int processorIndex, uint index, out ulong value) => inner.MsrRead(processorIndex, index, out value);

        public MsrAccessResult MsrWrite(int processorIndex, uint index, ulong value) => inner.MsrWrite(processorIndex, index, value);

        public ulong HypercallInstructionPointer { get; private set; }

        public void Hypercall(IHypercallIo io)
        {
            HypercallInstructionPointer = io.InstructionPointer;
            inner.Hypercall(io);
        }
    }
}

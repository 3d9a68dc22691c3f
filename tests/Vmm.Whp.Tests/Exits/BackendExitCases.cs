namespace Vmm.Whp.Tests.Exits;

/// <summary>What kind of exit a <see cref="BackendExitCase"/> describes.</summary>
public enum ExitCaseKind
{
    PortIn,
    PortOut,
    MmioRead,
    MmioWrite,
    MsrRead,
    MsrWrite,
    Hypercall,
    Halt,
    Cancel,
}

/// <summary>How the test's handler ends a hypercall.</summary>
public enum HypercallAnswer
{
    Complete,
    Continue,
    InvalidOpcode,
}

/// <summary>
/// One guest instruction that exits, described without any backend's structures: the instruction bytes at
/// <see cref="Rip"/>, the registers before, what the device (or MSR/hypercall handler) answers, and what
/// the handler must be told plus the registers after. A backend test turns the row into its native exit
/// (WHP: a WHV_RUN_VP_EXIT_CONTEXT; KVM: a guest that executes the bytes) and checks the same expectations.
/// </summary>
/// <param name="Name">Row name.</param>
/// <param name="Kind">Exit kind.</param>
/// <param name="Instruction">The instruction bytes (for hypercalls, the WHP call instruction; KVM uses its page stub).</param>
/// <param name="Registers">General-purpose registers before the instruction ("rax", "rcx", ...).</param>
/// <param name="Port">I/O port.</param>
/// <param name="Size">Access size in bytes.</param>
/// <param name="Address">MMIO guest-physical address.</param>
/// <param name="Msr">MSR index.</param>
/// <param name="DeviceValue">The value a read returns (port, MMIO, MSR) or the hypercall result/continue control.</param>
/// <param name="Fault">The MSR handler answers #GP.</param>
/// <param name="Answer">How the hypercall handler ends the call.</param>
/// <param name="Xmm">XMM0-5 before a hypercall (fast XMM input).</param>
/// <param name="ExpectedCalls">The handler calls, formatted by the recording handler.</param>
/// <param name="ExpectedRegisters">Registers after the exit that must hold these values.</param>
/// <param name="AdvancesRip">RIP moves past the instruction (false: stays at it).</param>
/// <param name="ExpectedException">The exception vector left pending, if any.</param>
public sealed record BackendExitCase(
    string Name,
    ExitCaseKind Kind,
    byte[] Instruction,
    IReadOnlyDictionary<string, ulong> Registers,
    ushort Port = 0,
    int Size = 0,
    ulong Address = 0,
    uint Msr = 0,
    ulong DeviceValue = 0,
    bool Fault = false,
    HypercallAnswer Answer = HypercallAnswer.Complete,
    UInt128[]? Xmm = null,
    string[]? ExpectedCalls = null,
    IReadOnlyDictionary<string, ulong>? ExpectedRegisters = null,
    bool AdvancesRip = true,
    byte? ExpectedException = null)
{
    /// <summary>Guest RIP of the instruction in every row.</summary>
    public const ulong Rip = 0x1000;

    public override string ToString() => Name;
}

/// <summary>The shared rows: one per exit kind and variant, with the KVM backend's observable behaviour as the expectation.</summary>
public static class BackendExitCases
{
    private static readonly Dictionary<string, ulong> s_gprs = new()
    {
        ["rax"] = 0x1111_2222_3333_4444,
        ["rbx"] = 0xF000,
        ["rcx"] = 0xAAAA_BBBB_CCCC_DDDD,
        ["rdx"] = 0x5555_6666_7777_8888,
    };

    public static IEnumerable<BackendExitCase> All =>
    [
        new("out dx, al", ExitCaseKind.PortOut, [0xEE], s_gprs, Port: 0x3F8, Size: 1,
            ExpectedCalls: ["PortWrite(0x3F8, 44)"]),
        new("out dx, ax", ExitCaseKind.PortOut, [0x66, 0xEF], s_gprs, Port: 0x402, Size: 2,
            ExpectedCalls: ["PortWrite(0x402, 44 44)"]),
        new("out dx, eax", ExitCaseKind.PortOut, [0xEF], s_gprs, Port: 0x500, Size: 4,
            ExpectedCalls: ["PortWrite(0x500, 44 44 33 33)"]),
        new("in al, dx", ExitCaseKind.PortIn, [0xEC], s_gprs, Port: 0x3FD, Size: 1, DeviceValue: 0x60,
            ExpectedCalls: ["PortRead(0x3FD, 1)"], ExpectedRegisters: Regs(("rax", 0x1111_2222_3333_4460))),
        new("in ax, dx", ExitCaseKind.PortIn, [0x66, 0xED], s_gprs, Port: 0x71, Size: 2, DeviceValue: 0xBEEF,
            ExpectedCalls: ["PortRead(0x71, 2)"], ExpectedRegisters: Regs(("rax", 0x1111_2222_3333_BEEF))),
        new("in eax, dx", ExitCaseKind.PortIn, [0xED], s_gprs, Port: 0xCFC, Size: 4, DeviceValue: 0xDEAD_BEEF,
            ExpectedCalls: ["PortRead(0xCFC, 4)"], ExpectedRegisters: Regs(("rax", 0xDEAD_BEEF))),
        new("mov eax, [rbx]", ExitCaseKind.MmioRead, [0x8B, 0x03], s_gprs, Address: 0xD000_0030, Size: 4, DeviceValue: 0x0005_0014,
            ExpectedCalls: ["MmioRead(0xD0000030, 4)"], ExpectedRegisters: Regs(("rax", 0x0005_0014))),
        new("mov al, [rbx]", ExitCaseKind.MmioRead, [0x8A, 0x03], s_gprs, Address: 0xD000_0000, Size: 1, DeviceValue: 0x7F,
            ExpectedCalls: ["MmioRead(0xD0000000, 1)"], ExpectedRegisters: Regs(("rax", 0x1111_2222_3333_447F))),
        new("movzx ecx, word [rbx]", ExitCaseKind.MmioRead, [0x0F, 0xB7, 0x0B], s_gprs, Address: 0xD000_0002, Size: 2, DeviceValue: 0x8001,
            ExpectedCalls: ["MmioRead(0xD0000002, 2)"], ExpectedRegisters: Regs(("rcx", 0x8001))),
        new("mov rdx, [rbx]", ExitCaseKind.MmioRead, [0x48, 0x8B, 0x13], s_gprs, Address: 0xD000_0008, Size: 8, DeviceValue: 0x0123_4567_89AB_CDEF,
            ExpectedCalls: ["MmioRead(0xD0000008, 8)"], ExpectedRegisters: Regs(("rdx", 0x0123_4567_89AB_CDEF))),
        new("mov [rbx], ecx", ExitCaseKind.MmioWrite, [0x89, 0x0B], s_gprs, Address: 0xD000_00B0, Size: 4,
            ExpectedCalls: ["MmioWrite(0xD00000B0, DD DD CC CC)"]),
        new("mov byte [rax], 0x5", ExitCaseKind.MmioWrite, [0xC6, 0x00, 0x05], s_gprs, Address: 0xD000_0010, Size: 1,
            ExpectedCalls: ["MmioWrite(0xD0000010, 05)"]),
        new("mov [rbx], ah", ExitCaseKind.MmioWrite, [0x88, 0x23], s_gprs, Address: 0xD000_0011, Size: 1,
            ExpectedCalls: ["MmioWrite(0xD0000011, 44)"]),
        new("mov qword [rbx], -2", ExitCaseKind.MmioWrite, [0x48, 0xC7, 0x03, 0xFE, 0xFF, 0xFF, 0xFF], s_gprs, Address: 0xD000_0018, Size: 8,
            ExpectedCalls: ["MmioWrite(0xD0000018, FE FF FF FF FF FF FF FF)"]),
        new("rdmsr ok", ExitCaseKind.MsrRead, [0x0F, 0x32], s_gprs, Msr: 0x4000_0000, DeviceValue: 0x0001_0002_0003_0004,
            ExpectedCalls: ["MsrRead(0x40000000)"], ExpectedRegisters: Regs(("rax", 0x0003_0004), ("rdx", 0x0001_0002))),
        new("rdmsr #GP", ExitCaseKind.MsrRead, [0x0F, 0x32], s_gprs, Msr: 0x4000_00FF, Fault: true,
            ExpectedCalls: ["MsrRead(0x400000FF)"], AdvancesRip: false, ExpectedException: 13),
        new("wrmsr ok", ExitCaseKind.MsrWrite, [0x0F, 0x30], s_gprs, Msr: 0x4000_0001,
            ExpectedCalls: ["MsrWrite(0x40000001, 0x7777888833334444)"]),
        new("wrmsr #GP", ExitCaseKind.MsrWrite, [0x0F, 0x30], s_gprs, Msr: 0x4000_0002, Fault: true,
            ExpectedCalls: ["MsrWrite(0x40000002, 0x7777888833334444)"], AdvancesRip: false, ExpectedException: 13),
        new("hypercall fast, complete", ExitCaseKind.Hypercall, [0x0F, 0x01, 0xC1], Regs(("rcx", 0x0001_0002), ("rdx", 0x1234), ("r8", 0x5678)),
            DeviceValue: 0, ExpectedCalls: ["Hypercall(vp 0, control 0x10002, in 0x1234, out 0x5678, cpl 0, pm True, lm True)"],
            ExpectedRegisters: Regs(("rax", 0))),
        new("hypercall xmm input, continue", ExitCaseKind.Hypercall, [0x0F, 0x01, 0xC1], Regs(("rcx", 0x0003_0000_0001_0013), ("rdx", 1), ("r8", 2)),
            Answer: HypercallAnswer.Continue, DeviceValue: 0x0003_0001_0001_0013, Xmm: [new UInt128(1, 2), 3, 4, 5, 6, new UInt128(7, 8)],
            ExpectedCalls: ["Hypercall(vp 0, control 0x3000000010013, in 0x1, out 0x2, cpl 0, pm True, lm True) xmm0=0x10000000000000002 xmm5=0x70000000000000008"],
            ExpectedRegisters: Regs(("rcx", 0x0003_0001_0001_0013)), AdvancesRip: false),
        new("hypercall #UD", ExitCaseKind.Hypercall, [0x0F, 0x01, 0xC1], Regs(("rcx", 0x1)),
            Answer: HypercallAnswer.InvalidOpcode, ExpectedCalls: ["Hypercall(vp 0, control 0x1, in 0x0, out 0x0, cpl 0, pm True, lm True)"],
            AdvancesRip: false, ExpectedException: 6),
        new("hlt", ExitCaseKind.Halt, [0xF4], s_gprs, ExpectedCalls: [], AdvancesRip: false),
        new("cancel", ExitCaseKind.Cancel, [0x90], s_gprs, ExpectedCalls: [], AdvancesRip: false),
    ];

    public static TheoryData<string> Names
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (BackendExitCase row in All)
            {
                data.Add(row.Name);
            }

            return data;
        }
    }

    public static BackendExitCase Get(string name) => All.Single(r => r.Name == name);

    private static Dictionary<string, ulong> Regs(params (string Name, ulong Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value);
}

using System.Text;
using Iced.Intel;
using Vmm.Core.Boot.X86;
using Vmm.Core.Devices;
using static Iced.Intel.AssemblerRegisters;

namespace Vmm.Guests;

/// <summary>
/// An Iced assembler plus the routines every built-in guest shares: printing to COM1, ending the VM through
/// the exit port, dropping to CPL3, and parking a vCPU. Code lives at <see cref="LongModeLayout.ImageBase"/>;
/// mutable data belongs at <see cref="DataBase"/>, a separate page, so guest stores never share a cache line
/// with code (which would cost self-modifying-code machine clears).
/// </summary>
internal sealed class GuestCodeBuilder
{
    /// <summary>Where guests keep mutable data (64 KiB above the image base).</summary>
    public const ulong DataBase = LongModeLayout.ImageBase + 0x1_0000;

    private readonly List<(Label Label, byte[] Bytes)> _strings = [];
    private readonly Dictionary<byte, Label> _gates = [];
    private readonly HashSet<byte> _parkVectors = [];
    private readonly List<(string Name, Label Label)> _symbols = [];
    private Label _printString;
    private Label _printDecimal;
    private Label _kernelPark;
    private bool _printStringUsed;
    private bool _printDecimalUsed;
    private bool _kernelParkUsed;

    public GuestCodeBuilder()
    {
        _printString = Asm.CreateLabel("print_string");
        _printDecimal = Asm.CreateLabel("print_decimal");
        _kernelPark = Asm.CreateLabel("kernel_park");
    }

    public Assembler Asm { get; } = new(64);

    /// <summary>A NUL-terminated string placed after the code; returns its label.</summary>
    public Label String(string text)
    {
        Label label = Asm.CreateLabel();
        _strings.Add((label, [.. Encoding.ASCII.GetBytes(text), 0]));
        return label;
    }

    /// <summary>Prints the string at <paramref name="text"/>'s label. Clobbers RAX, RBX, RCX, RDX, R9.</summary>
    public void Print(Label text)
    {
        Asm.lea(rbx, __[text]);
        PrintAtRbx();
    }

    /// <summary>Prints the NUL-terminated string RBX points to. Clobbers RAX, RBX, RCX, RDX, R9.</summary>
    public void PrintAtRbx()
    {
        Asm.call(_printString);
        _printStringUsed = true;
    }

    /// <summary>Prints RAX in decimal. Clobbers RAX, RBX, RCX, RDX, R9.</summary>
    public void PrintRaxDecimal()
    {
        Asm.call(_printDecimal);
        _printStringUsed = true;
        _printDecimalUsed = true;
    }

    /// <summary>
    /// Sets HV_X64_MSR_GUEST_OS_ID (required before the hypercall page may be enabled, TLFS "Hypercall Page") and
    /// enables the hypercall page at <paramref name="page"/>. Clobbers RAX, RCX, RDX.
    /// </summary>
    public void EnableHypercallPage(ulong page, ulong guestOsId)
    {
        Asm.mov(ecx, 0x4000_0000u);                 // HV_X64_MSR_GUEST_OS_ID
        Asm.mov(rax, guestOsId);
        Asm.mov(rdx, rax);
        Asm.shr(rdx, 32);
        Asm.wrmsr();
        Asm.mov(ecx, 0x4000_0001u);                 // HV_X64_MSR_HYPERCALL: page GPA | enable
        Asm.mov(eax, (uint)(page | 1));
        Asm.xor(edx, edx);
        Asm.wrmsr();
    }

    /// <summary>Ends the VM with the status in EAX (port 0x500, a 4-byte OUT); never returns.</summary>
    public void ExitWithEax()
    {
        Asm.mov(edx, (uint)StandardPorts.GuestExit);
        Asm.@out(dx, eax);
        Asm.ud2(); // the VMM stops the VM at the OUT; if it did not, the #UD gate reports it
    }

    /// <summary>Ends the VM with a constant status.</summary>
    public void Exit(uint status)
    {
        Asm.mov(eax, status);
        ExitWithEax();
    }

    /// <summary>
    /// IRETQ to <paramref name="target"/> at CPL3 on the user stack in R8, with RFLAGS.IOPL = 3 (architecturally
    /// port I/O is then allowed at CPL3, SDM Vol. 1 §18.5.1, but on PVM-based KVM hosts such as ours IN/OUT at CPL3
    /// still fault with #GP: do port I/O from CPL0, through a #UD escape) and IF = 0. RBX, RCX, RDX, RDI, RSI and
    /// R8-R15 are preserved.
    /// </summary>
    public void EnterUserMode(Label target) => EnterUserMode(target, interruptsEnabled: false);

    /// <summary>
    /// As <see cref="EnterUserMode(Label)"/>, with RFLAGS.IF = <paramref name="interruptsEnabled"/>: a CPL3 loop
    /// that must take interrupts (an IPI target) needs IF = 1, since IRETQ loads all of RFLAGS (SDM Vol. 3 §6.14.3).
    /// </summary>
    public void EnterUserMode(Label target, bool interruptsEnabled)
    {
        Asm.push((int)LongModeLayout.UserDataSelector);
        Asm.push(r8);
        Asm.push(interruptsEnabled ? 0x3202 : 0x3002);  // IOPL 3 | reserved bit 1 (| IF)
        Asm.push((int)LongModeLayout.UserCodeSelector);
        Asm.lea(rax, __[target]);
        Asm.push(rax);
        Asm.iretq();
    }

    /// <summary>Parks this vCPU at CPL0 for good: CLI; HLT blocks in the in-kernel LAPIC until the VM stops.</summary>
    public void KernelPark()
    {
        Asm.jmp(_kernelPark);
        _kernelParkUsed = true;
    }

    /// <summary>
    /// Parks a CPL3 vCPU: UD2 raises #UD, whose gate (installed here) runs the CPL0 park loop. On this host INT n
    /// from CPL3 also arrives as #UD (docs/kvm-host.md#pvm-hosts), so UD2 is the one portable way up.
    /// </summary>
    public void UserPark()
    {
        Asm.ud2();
        _parkVectors.Add(6);
        _kernelParkUsed = true;
    }

    /// <summary>Points IDT vector <paramref name="vector"/> at <paramref name="handler"/>, which must already be bound.</summary>
    /// <remarks>Iced's Label is a struct that Assembler.Label updates in place, so a copy taken before binding stays unbound.</remarks>
    public void SetGate(byte vector, Label handler) => _gates[vector] = handler;

    /// <summary>Publishes <paramref name="label"/>, which must already be bound, as <see cref="GuestImage.Symbols"/>[<paramref name="name"/>].</summary>
    public void Symbol(string name, Label label) => _symbols.Add((name, label));

    /// <summary>Assembles everything at the image base with <paramref name="entry"/> as the entry point.</summary>
    public GuestImage Build(Label entry)
    {
        EmitRoutines();
        foreach ((Label label, byte[] bytes) in _strings)
        {
            Label l = label;
            Asm.Label(ref l);
            Asm.db(bytes);
        }

        using var stream = new MemoryStream();
        AssemblerResult result = Asm.Assemble(new StreamCodeWriter(stream), LongModeLayout.ImageBase, BlockEncoderOptions.ReturnNewInstructionOffsets);
        byte[] code = stream.ToArray();
        if (code.Length > (int)(DataBase - LongModeLayout.ImageBase))
        {
            throw new InvalidOperationException($"Guest code is {code.Length} bytes; it must end below the data page at 0x{DataBase:X}.");
        }

        var gates = _gates.ToDictionary(g => g.Key, g => result.GetLabelRIP(g.Value));
        foreach (byte vector in _parkVectors)
        {
            gates[vector] = result.GetLabelRIP(_kernelPark);
        }

        return new GuestImage(LongModeLayout.ImageBase, code, result.GetLabelRIP(entry), gates)
        {
            Symbols = _symbols.ToDictionary(s => s.Name, s => result.GetLabelRIP(s.Label)),
        };
    }

    private void EmitRoutines()
    {
        if (_printStringUsed)
        {
            // print_string: RBX = NUL-terminated string. Polls LSR.THRE (bit 5) before each byte, as a driver
            // for real 16550 hardware must.
            Asm.Label(ref _printString);
            Label wait = Asm.CreateLabel();
            Label done = Asm.CreateLabel();
            Asm.movzx(r9d, __byte_ptr[rbx]);
            Asm.test(r9d, r9d);
            Asm.jz(done);
            Asm.mov(edx, (uint)(StandardPorts.Com1 + 5));
            Asm.Label(ref wait);
            Asm.@in(al, dx);
            Asm.test(al, 0x20);
            Asm.jz(wait);
            Asm.mov(edx, (uint)StandardPorts.Com1);
            Asm.mov(eax, r9d);
            Asm.@out(dx, al);
            Asm.inc(rbx);
            Asm.jmp(_printString);
            Asm.Label(ref done);
            Asm.ret();
        }

        if (_printDecimalUsed)
        {
            // print_decimal: RAX = unsigned value; digits are built backwards in a 32-byte stack buffer.
            Asm.Label(ref _printDecimal);
            Label digit = Asm.CreateLabel();
            Asm.sub(rsp, 32);
            Asm.lea(rbx, __[rsp + 31]);
            Asm.mov(__byte_ptr[rbx], 0);
            Asm.mov(ecx, 10);
            Asm.Label(ref digit);
            Asm.xor(edx, edx);
            Asm.div(rcx);
            Asm.add(dl, (byte)'0');
            Asm.dec(rbx);
            Asm.mov(__byte_ptr[rbx], dl);
            Asm.test(rax, rax);
            Asm.jnz(digit);
            Asm.call(_printString);
            Asm.add(rsp, 32);
            Asm.ret();
        }

        if (_kernelParkUsed)
        {
            Asm.Label(ref _kernelPark);
            Asm.cli();
            Asm.hlt();
            Asm.jmp(_kernelPark);
        }
    }
}

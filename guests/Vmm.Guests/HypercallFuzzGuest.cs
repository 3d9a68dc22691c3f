using Iced.Intel;
using Vmm.HyperV.Cpuid;
using static Iced.Intel.AssemblerRegisters;

namespace Vmm.Guests;

/// <summary>
/// `hcfuzz`: vCPU 0 (and every other vCPU) makes `calls` hypercalls with garbage: random control words (any
/// code, fast or not, random rep counts and start indices, variable header sizes, reserved bits), random input
/// and output GPAs (most outside RAM, some inside, some misaligned) and random XMM-free fast input. Every call
/// must come back with a result whose reserved bits are zero; the VMM must keep running. vCPU 0 prints the
/// count and how many calls were answered HV_STATUS_INVALID_HYPERCALL_INPUT (all vCPUs), and the guest exits with 0.
/// </summary>
public sealed class HypercallFuzzGuest : IBuiltInGuest
{
    /// <summary>Default number of calls per vCPU.</summary>
    public const long DefaultCalls = 100_000;

    private const ulong HypercallPage = GuestCodeBuilder.DataBase + 0x2000;
    private const ulong Done = GuestCodeBuilder.DataBase;
    private const ulong Scratch = GuestCodeBuilder.DataBase + 0x8000;

    /// <inheritdoc />
    public string Name => "hcfuzz";

    /// <inheritdoc />
    public string Description => "garbage hypercalls (random control words and GPAs); every call must be answered by a status";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Arguments => new Dictionary<string, string>
    {
        ["calls"] = $"hypercalls per vCPU (default {DefaultCalls})",
        ["seed"] = "random seed (default 1)",
    };

    /// <inheritdoc />
    public GuestImage Build(GuestBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        long calls = context.GetInt64("calls", DefaultCalls, 1, int.MaxValue);
        long seed = context.GetInt64("seed", 1, 1, long.MaxValue);
        if (!context.HyperV.Has(HyperVFeature.Hypercall))
        {
            throw new ArgumentException("guest 'hcfuzz' needs hypercalls enabled (--hv linux, or a profile with 'hypercall').");
        }

        var g = new GuestCodeBuilder();
        Assembler a = g.Asm;
        Label entry = a.CreateLabel("entry");
        Label ready = a.CreateLabel("ready");
        Label waitPage = a.CreateLabel("wait_page");
        Label loop = a.CreateLabel("loop");
        Label bad = a.CreateLabel("bad");
        Label wait = a.CreateLabel("wait");
        Label prefix = g.String("hcfuzz: ");
        Label middle = g.String(" garbage hypercalls per vCPU on ");
        Label suffix = g.String(" vCPUs, every one answered with a status; ");
        Label tallyText = g.String(" answered HV_STATUS_INVALID_HYPERCALL_INPUT\n");
        Label notInvalidInput = a.CreateLabel("not_invalid_input");
        Label badText = g.String("hcfuzz: a hypercall came back with reserved result bits set\n");

        a.Label(ref entry);
        a.mov(r12, rsi);                          // vCPU count
        a.mov(r13, rdi);                          // vCPU index
        a.test(edi, edi);
        a.jnz(waitPage);
        g.EnableHypercallPage(HypercallPage, HvProbeGuest.GuestOsId);
        a.mov(rax, Done + 8);
        a.mov(__qword_ptr[rax], 1);               // page ready
        a.jmp(ready);
        a.Label(ref waitPage);
        a.pause();
        a.mov(rax, Done + 8);
        a.cmp(__qword_ptr[rax], 0);
        a.je(waitPage);

        a.Label(ref ready);
        a.mov(r14, seed);
        a.add(r14, r13);                          // a different stream per vCPU
        a.mov(r15d, (uint)calls);
        a.xor(r10d, r10d);                        // calls answered HV_STATUS_INVALID_HYPERCALL_INPUT: a tally a trace must match
        a.mov(r11, HypercallPage);
        a.Label(ref loop);
        NextRandom(a);                            // RCX: control word, any bits
        a.mov(rcx, r14);
        NextRandom(a);
        a.mov(rdx, r14);                          // input GPA or fast input
        a.test(dl, 3);
        a.jnz(SkipMask(a, out Label afterMask1));
        a.and(edx, 0x7FF8);                       // a quarter of the time: an aligned GPA in RAM (a scratch window,
        a.mov(rax, Scratch);                      // so a call that writes output cannot hit code or page tables)
        a.add(rdx, rax);
        a.Label(ref afterMask1);
        NextRandom(a);
        a.mov(r8, r14);                           // output GPA or fast input
        a.test(r8b, 3);
        a.jnz(SkipMask(a, out Label afterMask2));
        a.and(r8d, 0x7FF8);
        a.mov(rax, Scratch);
        a.add(r8, rax);
        a.Label(ref afterMask2);
        a.call(r11);
        a.mov(rdx, 0xFFFF_F000_FFFF_0000UL);      // result value: reserved bits must be zero (TLFS)
        a.test(rax, rdx);
        a.jnz(bad);
        a.cmp(ax, 0x0003);                        // HV_STATUS_INVALID_HYPERCALL_INPUT
        a.jne(notInvalidInput);
        a.inc(r10);
        a.Label(ref notInvalidInput);
        a.dec(r15d);
        a.jnz(loop);

        a.mov(rax, Done + 16);
        a.@lock.add(__qword_ptr[rax], r10);      // before the done count, which vCPU 0 waits for
        a.mov(rax, Done);
        a.@lock.inc(__qword_ptr[rax]);
        a.test(r13, r13);
        a.jz(wait);
        g.KernelPark();
        a.Label(ref wait);
        a.pause();
        a.mov(rax, Done);
        a.cmp(__qword_ptr[rax], r12);
        a.jb(wait);
        g.Print(prefix);
        a.mov(rax, calls);
        g.PrintRaxDecimal();
        g.Print(middle);
        a.mov(rax, r12);
        g.PrintRaxDecimal();
        g.Print(suffix);
        a.mov(rax, Done + 16);
        a.mov(rax, __qword_ptr[rax]);
        g.PrintRaxDecimal();
        g.Print(tallyText);
        g.Exit(0);

        a.Label(ref bad);
        g.Print(badText);
        g.Exit(1);
        return g.Build(entry);
    }

    // xorshift64 on R14 (Marsaglia 2003); clobbers RAX.
    private static void NextRandom(Assembler a)
    {
        a.mov(rax, r14);
        a.shl(rax, 13);
        a.xor(r14, rax);
        a.mov(rax, r14);
        a.shr(rax, 7);
        a.xor(r14, rax);
        a.mov(rax, r14);
        a.shl(rax, 17);
        a.xor(r14, rax);
    }

    private static Label SkipMask(Assembler a, out Label label)
    {
        label = a.CreateLabel();
        return label;
    }
}

using Iced.Intel;
using Vmm.HyperV.Cpuid;
using Vmm.HyperV.Tlfs;
using static Iced.Intel.AssemblerRegisters;

namespace Vmm.Guests;

/// <summary>
/// `flushbench`: the workload of `vmm bench flush`. vCPUs 1..N-1 spin at CPL3 (in the guest, as running targets
/// are); vCPU 0 flushes the TLBs of all of them `rounds` times, each timed with RDTSC, and stores the TSC deltas at
/// <see cref="Samples"/> for the host. Two ways to flush (argument `mode`):
/// <list type="bullet">
/// <item>`pv`: one HvCallFlushVirtualAddressSpace (processor mask of all others, all address spaces) per round.</item>
/// <item>`ipi`: the shootdown a guest does without the hypercall, as Linux's native_flush_tlb_multi: vCPU 0 sends a
/// fixed IPI through the x2APIC to every other vCPU; each target's handler reloads CR3 (native_flush_tlb_local,
/// the full flush), writes the round number to its own acknowledgement slot, EOIs and returns; vCPU 0 waits at
/// CPL3 until every slot holds the round. A round is timed from before the first ICR write to the last ack.</item>
/// </list>
/// </summary>
public sealed class FlushBenchGuest : IBuiltInGuest
{
    /// <summary>Where the guest stores one 8-byte TSC delta per round.</summary>
    public const ulong Samples = 0x20_0000;

    /// <summary>Default number of timed flushes.</summary>
    public const long DefaultRounds = 200;

    /// <summary>The IDT vector of the shootdown IPI (a fixed interrupt; Linux uses 0xFB, CALL_FUNCTION_VECTOR).</summary>
    public const byte IpiVector = 0xF0;

    /// <summary>The spurious-interrupt vector programmed in the SVR; a spurious interrupt reports through its stub.</summary>
    public const byte SpuriousVector = X2Apic.SpuriousVector;

    /// <summary>Where vCPU t's IPI handler acknowledges round r: the qword at Acks + 64 t holds r.</summary>
    public const ulong Acks = GuestCodeBuilder.DataBase + 0x3000;

    /// <summary>
    /// How long vCPU 0 waits for one target's acknowledgement before it reports the target and fails: 2^33 TSC
    /// cycles, seconds at any TSC rate, far above the worst ack seen under 8-fold overcommit (tens of ms).
    /// </summary>
    public const long AckTimeoutCycles = 1L << 33;

    private const ulong HypercallPage = GuestCodeBuilder.DataBase + 0x2000;
    private const ulong Input = GuestCodeBuilder.DataBase + 0x100;
    private const ulong Round = GuestCodeBuilder.DataBase + 0x200;           // the round being sent, own cache line
    private const ulong Counters = GuestCodeBuilder.DataBase + 0x1000;       // 64 bytes per vCPU
    private const int AckFromCounter = (int)(Acks - Counters);

    private const uint IcrAllExcludingSelf = 3u << 18;                       // destination shorthand 11b

    private const int ReasonSend = 1;
    private const int ReasonDone = 2;
    private const int ReasonTimeout = 3;

    /// <inheritdoc />
    public string Name => "flushbench";

    /// <inheritdoc />
    public string Description => "vCPU 0 times remote flushes of all other (spinning) vCPUs, by hypercall or by IPI: the workload of `vmm bench flush`";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Arguments => new Dictionary<string, string>
    {
        ["rounds"] = $"timed flushes (default {DefaultRounds})",
        ["mode"] = "pv: HvCallFlushVirtualAddressSpace (default); ipi: the guest's own IPI shootdown through the x2APIC",
        ["ipisend"] = "ipi mode: allbutself, one ICR write with the all-excluding-self shorthand (default); each, one write per target",
        ["ipiskip"] = "ipi mode, negative control: never send the IPI to this vCPU (implies ipisend=each); the guest must time out and fail",
    };

    /// <inheritdoc />
    public GuestImage Build(GuestBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        long rounds = context.GetInt64("rounds", DefaultRounds, 1, 100_000);
        string mode = context.GetChoice("mode", "pv", "pv", "ipi");
        if (context.ProcessorCount > 64)
        {
            throw new ArgumentException("guest 'flushbench' handles at most 64 vCPUs (a 64-bit processor mask, 64-byte slots per vCPU in one page).");
        }

        if (mode == "ipi")
        {
            string send = context.GetChoice("ipisend", "allbutself", "allbutself", "each");
            long skip = context.GetInt64("ipiskip", 0, 1, context.ProcessorCount - 1);
            if (skip != 0 && send == "allbutself" && context.ArgumentNames.Contains("ipisend"))
            {
                throw new ArgumentException("guest argument ipiskip needs ipisend=each: the all-excluding-self shorthand cannot leave a vCPU out.");
            }

            return Build(ipi: true, g => EmitIpiSender(g, rounds, perTarget: send == "each" || skip != 0, (int)skip, context.ProcessorCount));
        }

        foreach (string name in new[] { "ipisend", "ipiskip" })
        {
            if (context.ArgumentNames.Contains(name))
            {
                throw new ArgumentException($"guest argument {name} applies to mode=ipi only.");
            }
        }

        if (!context.HyperV.Has(HyperVFeature.TlbFlush))
        {
            throw new ArgumentException("guest 'flushbench' in mode pv needs the remote-flush hypercalls (--hv linux, or a profile with 'tlbflush').");
        }

        return Build(ipi: false, g => EmitPvSender(g, rounds, context.ProcessorCount));
    }

    /// <summary>The skeleton both modes share: vCPU 0 sends, the others are workers.</summary>
    private static GuestImage Build(bool ipi, Action<GuestCodeBuilder> sender)
    {
        var g = new GuestCodeBuilder();
        Assembler a = g.Asm;
        Label entry = a.CreateLabel("entry");
        Label senderLabel = a.CreateLabel("sender");
        a.Label(ref entry);
        a.mov(r12, rsi);                                // R12 = vCPU count
        if (ipi)
        {
            // Every vCPU, the sender too: the ICR is an x2APIC MSR.
            X2Apic.EmitEnable(g, "flushbench: mode=ipi needs an x2APIC (CPUID.01H:ECX[21] is clear)\n");
        }

        a.test(edi, edi);
        a.jz(senderLabel);
        EmitWorker(g, ipi);
        a.Label(ref senderLabel);
        sender(g);
        return g.Build(entry);
    }

    /// <summary>Jumps to <paramref name="ready"/> once every worker's counter is non-zero. Clobbers RAX, RCX, R9.</summary>
    private static void EmitWaitForWorkers(Assembler a, Label ready) => EmitWaitForWorkers(a, ready, Counters);

    /// <summary>
    /// Jumps to <paramref name="ready"/> once the qword at <paramref name="flags"/> + 64 t is non-zero for every
    /// worker t in 1..R12-1 (R12 = vCPU count). Clobbers RAX, RCX, R9.
    /// </summary>
    internal static void EmitWaitForWorkers(Assembler a, Label ready, ulong flags)
    {
        Label wait = a.CreateLabel("wait_workers");
        a.mov(r9d, 1);
        a.Label(ref wait);
        a.cmp(r9, r12);
        a.jae(ready);
        a.mov(rax, r9);
        a.shl(rax, 6);
        a.mov(rcx, flags);
        a.pause();
        a.cmp(__qword_ptr[rax + rcx], 0);
        a.je(wait);
        a.inc(r9);
        a.jmp(wait);
    }

    /// <summary>RAX = the 64-bit TSC (RDTSC returns it in EDX:EAX, SDM Vol. 2B). Clobbers RDX.</summary>
    internal static void EmitReadTsc(Assembler a)
    {
        a.rdtsc();
        a.shl(rdx, 32);
        a.or(rax, rdx);
    }

    private static void EmitPvSender(GuestCodeBuilder g, long rounds, int processorCount)
    {
        ulong mask = (processorCount == 64 ? ulong.MaxValue : (1UL << processorCount) - 1) & ~1UL;
        Assembler a = g.Asm;
        Label loop = a.CreateLabel("loop");
        Label failed = a.CreateLabel("failed");
        g.EnableHypercallPage(HypercallPage, HvProbeGuest.GuestOsId);
        a.mov(rax, Input);
        a.mov(__qword_ptr[rax], 0);                     // AddressSpace (ignored with ALL_VIRTUAL_ADDRESS_SPACES)
        a.mov(__qword_ptr[rax + 8], (int)HvFlushFlags.AllVirtualAddressSpaces);
        a.mov(rcx, mask);
        a.mov(__qword_ptr[rax + 16], rcx);              // ProcessorMask: every vCPU but this one
        EmitWaitForWorkers(a, loop);                    // until every worker is spinning in the guest

        a.Label(ref loop);                              // R14 = rounds left, R15 = samples cursor
        a.mov(r14d, (uint)rounds);
        a.mov(r15, Samples);
        a.mov(r11, HypercallPage);
        Label round = a.CreateLabel("round");
        a.Label(ref round);
        EmitReadTsc(a);
        a.mov(r10, rax);
        a.mov(rcx, (ulong)HvCallCode.HvCallFlushVirtualAddressSpace);
        a.mov(rdx, Input);
        a.xor(r8d, r8d);
        a.call(r11);
        a.test(rax, rax);
        a.jnz(failed);
        EmitReadTsc(a);
        a.sub(rax, r10);
        a.mov(__qword_ptr[r15], rax);
        a.add(r15, 8);
        a.dec(r14d);
        a.jnz(round);
        g.Exit(0);
        a.Label(ref failed);
        g.Exit(1);
    }

    /// <summary>
    /// Workers (vCPU index in RDI): count in their own cache line at CPL3, so vCPU 0 sees they are in the guest. In
    /// ipi mode (x2APIC already on) each spins with IF = 1, keeping ECX = the EOI MSR and EDX = 0 for the
    /// handler (the CPL3 loop uses neither), so the handler, which is emulated instruction by instruction on the
    /// PVM host (docs/kvm-host.md#pvm-hosts), need not load them.
    /// </summary>
    private static void EmitWorker(GuestCodeBuilder g, bool ipi)
    {
        Assembler a = g.Asm;
        Label user = a.CreateLabel("worker_user");
        a.mov(rbx, rdi);
        a.shl(rbx, 6);
        a.mov(rax, Counters);
        a.add(rbx, rax);
        if (ipi)
        {
            a.mov(ecx, X2Apic.MsrEoi);
            a.xor(edx, edx);
        }

        g.EnterUserMode(user, interruptsEnabled: ipi);
        a.Label(ref user);
        a.inc(__qword_ptr[rbx]);
        a.jmp(user);
    }

    /// <summary>vCPU 0 in ipi mode: CPL3 with IF = 0 for good, but for the sends.</summary>
    private static void EmitIpiSender(GuestCodeBuilder g, long rounds, bool perTarget, int skip, int processorCount)
    {
        Assembler a = g.Asm;
        Label senderUser = a.CreateLabel("sender_user");
        Label roundLoop = a.CreateLabel("round_loop");
        Label waitAcks = a.CreateLabel("wait_acks");
        Label spin = a.CreateLabel("spin");
        Label acked = a.CreateLabel("acked");
        Label allAcked = a.CreateLabel("all_acked");
        Label done = a.CreateLabel("done");
        a.xor(r14d, r14d);                              // R14 = round (1-based), R15 = samples cursor
        a.mov(r15, Samples);
        g.EnterUserMode(senderUser);
        a.Label(ref senderUser);
        EmitWaitForWorkers(a, roundLoop);               // until every worker spins at CPL3 with IF = 1

        // Each round: publish the round, UD2 up to CPL0 where the #UD handler reads the TSC and sends (WRMSR needs
        // CPL0), back at CPL3 wait for every ack natively (a CPL0 spin would be emulated), read the TSC.
        a.Label(ref roundLoop);
        a.inc(r14);
        a.mov(rax, rounds);
        a.cmp(r14, rax);
        a.ja(done);
        a.mov(rax, Round);
        a.mov(__qword_ptr[rax], r14);
        a.mov(ebp, ReasonSend);
        a.ud2();
        a.shl(r11, 32);                                 // the handler left the start TSC in R11:R10
        a.or(r10, r11);
        a.mov(r9d, 1);
        a.Label(ref waitAcks);
        a.cmp(r9, r12);
        a.jae(allAcked);
        a.mov(rdi, r9);
        a.shl(rdi, 6);
        a.mov(rax, Acks);
        a.add(rdi, rax);
        a.Label(ref spin);
        a.cmp(__qword_ptr[rdi], r14);
        a.je(acked);
        a.pause();
        EmitReadTsc(a);
        a.sub(rax, r10);
        a.mov(rdx, AckTimeoutCycles);
        a.cmp(rax, rdx);
        a.jb(spin);
        a.mov(ebp, ReasonTimeout);                      // R9 = the silent target, R14 = the round
        a.ud2();
        a.Label(ref acked);
        a.inc(r9);
        a.jmp(waitAcks);
        a.Label(ref allAcked);
        EmitReadTsc(a);
        a.sub(rax, r10);
        a.mov(__qword_ptr[r15], rax);
        a.add(r15, 8);
        a.jmp(roundLoop);
        a.Label(ref done);
        a.mov(ebp, ReasonDone);
        a.ud2();

        EmitIpiHandler(g);
        EmitSenderTrap(g, perTarget, skip, processorCount);
    }

    /// <summary>
    /// The target's IPI handler. The flush is Linux's for a full flush of an mm, native_flush_tlb_local: write CR3
    /// with its own value (SDM Vol. 3A §4.10.4.1: drops non-global translations; on this shadow-paging host it syncs
    /// the unsync shadow pages a native PTE store leaves, docs/kvm-host.md#stale-translations: a CR3 reload on the reader repairs it). Then the
    /// ack, then EOI (x2APIC EOI MSR ← 0, SDM §11.12.1; ECX and EDX were set by the worker), IRETQ. Seven CPL0
    /// instructions, each emulated on this host: it clobbers only RAX, which the interrupted CPL3 loop does not use.
    /// </summary>
    private static void EmitIpiHandler(GuestCodeBuilder g)
    {
        Assembler a = g.Asm;
        Label handler = a.CreateLabel("ipi");
        a.Label(ref handler);
        a.mov(rax, cr3);
        a.mov(cr3, rax);
        a.mov(rax, __qword_ptr[(long)Round]);
        a.mov(__qword_ptr[rbx + AckFromCounter], rax);
        a.xor(eax, eax);
        a.wrmsr();
        a.iretq();
        g.SetGate(IpiVector, handler);
    }

    /// <summary>
    /// vCPU 0's #UD handler, by reason in EBP. Send: the start TSC into R11:R10 and the IPI, then back after the UD2.
    /// ICR (x2APIC MSR 0x830, SDM Vol. 3A §11.12.9): fixed delivery, physical destination, edge, the vector; with
    /// the all-excluding-self shorthand one WRMSR reaches every target (Linux's native_send_call_func_ipi when the
    /// mask is all but self), otherwise one WRMSR per target with its x2APIC ID (= vCPU index on KVM) in bits 63:32
    /// (Linux's x2apic_phys send_IPI_mask). The instructions before RDTSC are not timed.
    /// </summary>
    /// <remarks>
    /// The shorthand is the default because it is faster here: every CPL0 instruction is emulated, and the per-target
    /// loop costs two per target. Measured once on this host (KVM/PVM, 2 CPUs, under load; 200 rounds, RDTSC after
    /// the last WRMSR minus RDTSC before the first): send cost p50 at 2/4/8 vCPUs 18-20 / 33-35 / 56-57 µs per
    /// target, 19-21 / 21-22 / 26 µs with the shorthand. End to end both were dominated by scheduling the
    /// targets (p50 4-60 ms at 4 and 8 vCPUs, run-to-run spread larger than the difference).
    /// </remarks>
    private static void EmitSenderTrap(GuestCodeBuilder g, bool perTarget, int skip, int processorCount)
    {
        Assembler a = g.Asm;
        Label ud = a.CreateLabel("ud");
        Label notSend = a.CreateLabel("ud_not_send");
        Label notDone = a.CreateLabel("ud_not_done");
        Label notTimeout = a.CreateLabel("ud_not_timeout");
        a.Label(ref ud);
        a.cmp(ebp, ReasonSend);
        a.jne(notSend);
        a.add(__qword_ptr[rsp], 2);
        a.mov(ecx, X2Apic.MsrIcr);
        a.rdtsc();
        a.mov(r10d, eax);
        a.mov(r11d, edx);
        if (perTarget)
        {
            a.mov(eax, (uint)IpiVector);
            for (int t = 1; t < processorCount; t++)
            {
                if (t != skip)
                {
                    a.mov(edx, t);
                    a.wrmsr();
                }
            }
        }
        else
        {
            a.mov(eax, IcrAllExcludingSelf | IpiVector);
            a.xor(edx, edx);
            a.wrmsr();
        }

        a.iretq();

        a.Label(ref notSend);
        a.cmp(ebp, ReasonDone);
        a.jne(notDone);
        g.Exit(0);

        a.Label(ref notDone);
        a.cmp(ebp, ReasonTimeout);
        a.jne(notTimeout);
        a.mov(r13, r9);
        g.Print(g.String("flushbench: vCPU "));
        a.mov(rax, r13);
        g.PrintRaxDecimal();
        g.Print(g.String(" did not acknowledge the IPI of round "));
        a.mov(rax, r14);
        g.PrintRaxDecimal();
        g.Print(g.String(" (its ack slot holds round "));
        a.mov(rax, r13);
        a.shl(rax, 6);
        a.mov(rcx, Acks);
        a.mov(rax, __qword_ptr[rax + rcx]);
        g.PrintRaxDecimal();
        g.Print(g.String($"; waited {AckTimeoutCycles} TSC cycles)\n"));
        g.Exit(1);

        a.Label(ref notTimeout);
        g.Exit(0xE000_0006);                            // a #UD nobody raised on purpose
        g.SetGate(6, ud);
    }
}

using Iced.Intel;
using Vmm.HyperV.Cpuid;
using Vmm.HyperV.Tlfs;
using static Iced.Intel.AssemblerRegisters;

namespace Vmm.Guests;

/// <summary>
/// `hvipi`: proves HvCallSendSyntheticClusterIpi (0x000B) and HvCallSendSyntheticClusterIpiEx (0x0015) deliver
/// exactly one interrupt to exactly the VPs they name. Every vCPU enables its x2APIC; vCPUs 1..N-1 spin at CPL3 with
/// IF = 1 and count the interrupts of <see cref="IpiVector"/> in their own cache line. vCPU 0 first makes invalid
/// calls (vector 0x0F, TargetVtl 1) that must answer HV_STATUS_INVALID_PARAMETER and interrupt nobody, then runs
/// `rounds` rounds: a pseudo-random non-empty subset of the targets (xorshift64), one call naming it by VP index in
/// the round's form (cycling through those the profile offers), status 0, then a wait at CPL3 until every named
/// vCPU's count rose, and a check that every vCPU's count equals the number of calls that named it (so a lost, a
/// doubled and a misdirected interrupt all fail, the latter two at the latest in the next round).
/// </summary>
/// <remarks>
/// The forms with HV_GENERIC_SET_ALL name every VP, the sender included (TLFS HvCallSendSyntheticClusterIpiEx; Linux
/// only uses SET_ALL when the sender is in the mask): the sender waits with IF = 1 and counts its own interrupt too.
/// The handler is the same on every vCPU: R13 holds the vCPU's own counter; it saves what EOI needs, as it may
/// interrupt the sender anywhere. CPL0 code is emulated instruction by instruction on this host
/// (docs/kvm-host.md#pvm-hosts), so all the sender's work but the call itself runs at CPL3, reaching CPL0 through
/// the #UD gate (<see cref="GuestCodeBuilder.UserEscapeGate"/>).
/// </remarks>
public sealed class HvIpiGuest : IBuiltInGuest
{
    /// <summary>Default number of rounds.</summary>
    public const long DefaultRounds = 2000;

    /// <summary>The vector the calls send (a fixed interrupt; 0x10-0xFF are valid, docs/hyperv.md#cluster-ipi).</summary>
    public const byte IpiVector = 0xE0;

    /// <summary>
    /// How long the sender waits by default for a named vCPU's interrupt before it reports it missing: 2^32 TSC cycles,
    /// 1-2 s. A loaded nested host can take longer to run the target at all (argument <c>wait</c>).
    /// </summary>
    public const long DefaultTimeoutCycles = 1L << 32;

    /// <summary>Most vCPUs: the target sets are 64-bit vCPU masks and the counters fill one page.</summary>
    public const int MaxProcessors = 64;

    private const ulong Counters = GuestCodeBuilder.DataBase + 0x1000;       // 64 bytes per vCPU: count, ready flag
    private const ulong HypercallPage = GuestCodeBuilder.DataBase + 0x2000;
    private const ulong Expected = GuestCodeBuilder.DataBase + 0x3000;       // 8 bytes per vCPU (sender only)
    private const ulong Variant = GuestCodeBuilder.DataBase + 0x3800;        // sender's variables
    private const ulong State = Variant + 8;
    private const ulong Start = Variant + 16;
    private const ulong ExpectedMask = Variant + 24;
    private const ulong Input = GuestCodeBuilder.DataBase + 0x4000;          // page-aligned; bank scratch at +0x800
    private const int NameWidth = 16;
    private const ulong Seed = 0x9E37_79B9_7F4A_7C15;
    private const int InvalidParameter = 5;                                  // HV_STATUS_INVALID_PARAMETER
    private const int ReasonDone = 1;
    private const int ReasonCallFailed = 2;
    private const int ReasonRowFailed = 3;
    private const int ReasonMismatch = 4;

    /// <summary>The rejected calls made before the rounds: (vector, TargetVtl); TLFS allows vectors 0x10-0xFF and VTL 0 here.</summary>
    private static readonly (uint Vector, uint Vtl)[] ErrorRows = [(0x0F, 0), (IpiVector, 1)];

    /// <inheritdoc />
    public string Name => "hvipi";

    /// <inheritdoc />
    public string Description => "vCPU 0 sends cluster IPIs (HvCallSendSyntheticClusterIpi/Ex, every form offered) to random subsets of the other vCPUs; each must get exactly one";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Arguments => new Dictionary<string, string>
    {
        ["rounds"] = $"calls, each to a random non-empty subset of the targets (default {DefaultRounds})",
        ["skipvp"] = "negative control: leave this vCPU out of every set named while still expecting its interrupt; the guest must report it missing and fail",
        ["wait"] = $"TSC cycles the sender waits for each named vCPU's interrupt before it reports it missing (default {DefaultTimeoutCycles})",
    };

    /// <summary>The forms the guest cycles through for <paramref name="context"/>, in order.</summary>
    public static IReadOnlyList<string> VariantNames(GuestBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return [.. Variants(context).Select(v => v.Name)];
    }

    /// <inheritdoc />
    public GuestImage Build(GuestBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        long rounds = context.GetInt64("rounds", DefaultRounds, 1, int.MaxValue);
        if (!context.HyperV.Has(HyperVFeature.Hypercall) || !context.HyperV.Has(HyperVFeature.Ipi))
        {
            throw new ArgumentException("guest 'hvipi' needs the cluster-IPI hypercalls (a profile with 'ipi', e.g. --hv windows,+ipi).");
        }

        if (context.ProcessorCount is < 2 or > MaxProcessors)
        {
            throw new ArgumentException($"guest 'hvipi' needs 2 to {MaxProcessors} vCPUs (one sender and at least one target).");
        }

        long skip = context.GetInt64("skipvp", 0, 1, context.ProcessorCount - 1);
        long wait = context.GetInt64("wait", DefaultTimeoutCycles, 1, long.MaxValue / 2);
        List<IpiVariant> variants = Variants(context);
        if (variants.Count == 0)
        {
            throw new ArgumentException("guest 'hvipi': VP indices of 64 and above need the Ex call (a profile with 'tlbflush-ex').");
        }

        return new Emitter(context, variants, rounds, (int)skip, wait).Build();
    }

    /// <summary>
    /// 0x000B needs every VP index below 64 (a 64-bit ProcessorMask); its fast form carries the 16-byte input in
    /// RDX:R8. 0x0015 needs tlbflush-ex (recommendation bit 11, docs/hyperv.md#linux-flush-path); its input is 24 bytes and more,
    /// so its fast form needs XMM input (CPUID 0x40000003.EDX bit 4) and fits when 24 + 8 banks ≤ 112 bytes.
    /// </summary>
    private static List<IpiVariant> Variants(GuestBuildContext context)
    {
        var list = new List<IpiVariant>();
        if (context.VpIndices.All(i => i < 64))
        {
            list.Add(new IpiVariant("ipi", Ex: false, All: false, Fast: false));
            list.Add(new IpiVariant("ipi-fast", Ex: false, All: false, Fast: true));
        }

        if (context.HyperV.Has(HyperVFeature.TlbFlushEx))
        {
            list.Add(new IpiVariant("ipi-ex", Ex: true, All: false, Fast: false));
            list.Add(new IpiVariant("ipi-ex-all", Ex: true, All: true, Fast: false));
            if (context.HyperV.Has(HyperVFeature.XmmInput))
            {
                if (24 + (8 * context.VpIndices.Select(i => i / 64).Distinct().Count()) <= 112)
                {
                    list.Add(new IpiVariant("ipi-ex-xmm", Ex: true, All: false, Fast: true));
                }

                list.Add(new IpiVariant("ipi-ex-all-xmm", Ex: true, All: true, Fast: true));
            }
        }

        return list;
    }

    private sealed record IpiVariant(string Name, bool Ex, bool All, bool Fast);

    private sealed class Emitter(GuestBuildContext context, List<IpiVariant> variants, long rounds, int skip, long timeoutCycles)
    {
        private readonly GuestCodeBuilder _g = new();
        private readonly int _n = context.ProcessorCount;
        private readonly ulong _named = skip == 0 ? ulong.MaxValue : ~(1UL << skip);
        private Label _vpTable;
        private Label _allTable;
        private Label _names;
        private Label _buildAndCall;
        private Label _checkAll;

        private Assembler A => _g.Asm;

        private ulong AllMask => _n == 64 ? ulong.MaxValue : (1UL << _n) - 1;

        public GuestImage Build()
        {
            _vpTable = A.CreateLabel("vp_table");
            _allTable = A.CreateLabel("all_table");
            _buildAndCall = A.CreateLabel("build_and_call");
            _checkAll = A.CreateLabel("check_all");
            _names = _g.String(string.Concat(variants.Select(v => v.Name.PadRight(NameWidth, '\0'))));
            Label entry = A.CreateLabel("entry");
            Label sender = A.CreateLabel("sender");
            Label worker = A.CreateLabel("worker_user");
            Label spin = A.CreateLabel("worker_spin");
            A.Label(ref entry);
            A.mov(r12, rsi);                            // R12 = vCPU count
            X2Apic.EmitEnable(_g, "hvipi: needs an x2APIC (CPUID.01H:ECX[21] is clear)\n");
            A.mov(r13, rdi);                            // R13 = this vCPU's counter, for the handler
            A.shl(r13, 6);
            A.mov(rax, Counters);
            A.add(r13, rax);
            A.test(edi, edi);
            A.jz(sender);
            _g.EnterUserMode(worker, interruptsEnabled: true);
            A.Label(ref worker);
            A.mov(__qword_ptr[r13 + 8], 1);             // ready: APIC on, IF = 1
            A.Label(ref spin);
            A.pause();
            A.jmp(spin);

            A.Label(ref sender);
            _g.EnableHypercallPage(HypercallPage, HvProbeGuest.GuestOsId);
            EmitSender();
            EmitBuildAndCall();
            EmitCheckAll();
            EmitHandler();
            _g.UserEscapeGate(HypercallPage, EmitReport);
            VpSetEmitter.EmitTable(A, ref _vpTable, context.VpIndices);
            A.Label(ref _allTable);
            A.db([.. variants.Select(v => v.All ? (byte)1 : (byte)0)]);
            return _g.Build(entry);
        }

        /// <summary>
        /// The interrupt handler (CPL0, emulated on this host, so short): count, EOI (x2APIC EOI MSR ← 0, SDM Vol. 3A
        /// §11.12.1), IRETQ. It may interrupt the sender's CPL3 code anywhere, so it restores what WRMSR needs.
        /// </summary>
        private void EmitHandler()
        {
            Label handler = A.CreateLabel("ipi");
            A.Label(ref handler);
            A.inc(__qword_ptr[r13]);
            A.push(rax);
            A.push(rcx);
            A.push(rdx);
            A.mov(ecx, X2Apic.MsrEoi);
            A.xor(eax, eax);
            A.xor(edx, edx);
            A.wrmsr();
            A.pop(rdx);
            A.pop(rcx);
            A.pop(rax);
            A.iretq();
            _g.SetGate(IpiVector, handler);
        }

        private void EmitSender()
        {
            Label user = A.CreateLabel("sender_user");
            Label ready = A.CreateLabel("ready");
            Label roundLoop = A.CreateLabel("round_loop");
            Label done = A.CreateLabel("done");
            _g.EnterUserMode(user, interruptsEnabled: true);
            A.Label(ref user);
            FlushBenchGuest.EmitWaitForWorkers(A, ready, Counters + 8);
            A.Label(ref ready);
            A.xor(r14d, r14d);                          // R14 = round; 0 while the error rows run
            EmitErrorRows();
            A.call(_checkAll);                          // the rejected calls interrupted nobody

            A.mov(rax, Seed);
            A.mov(__qword_ptr[(long)State], rax);
            A.mov(__qword_ptr[(long)Variant], 0);
            A.Label(ref roundLoop);
            A.inc(r14);
            A.mov(rax, rounds);
            A.cmp(r14, rax);
            A.ja(done);
            EmitPickTargets();
            A.mov(r10, (ulong)IpiVector);               // Vector, TargetVtl 0, reserved 0
            A.call(_buildAndCall);
            Label ok = A.CreateLabel();
            A.test(rax, rax);
            A.jz(ok);
            A.mov(r15, rax);
            EmitEscapeReport(ReasonCallFailed);
            A.Label(ref ok);
            EmitWaitForNamed();
            A.call(_checkAll);
            Label keep = A.CreateLabel();
            A.mov(rax, __qword_ptr[(long)Variant]);
            A.inc(rax);
            A.cmp(rax, variants.Count);
            A.jb(keep);
            A.xor(eax, eax);
            A.Label(ref keep);
            A.mov(__qword_ptr[(long)Variant], rax);
            A.jmp(roundLoop);

            // A late (extra) interrupt of the last round would arrive after its check: wait 2^26 cycles and check again.
            A.Label(ref done);
            A.dec(r14);
            FlushBenchGuest.EmitReadTsc(A);
            A.mov(rbx, rax);
            Label settle = A.CreateLabel();
            A.Label(ref settle);
            A.pause();
            FlushBenchGuest.EmitReadTsc(A);
            A.sub(rax, rbx);
            A.cmp(rax, 1 << 26);
            A.jb(settle);
            A.call(_checkAll);
            EmitEscapeReport(ReasonDone);
        }

        /// <summary>
        /// UD2 up to the report at CPL0, which prints and ends the VM: port I/O from CPL3 faults on this host even
        /// with IOPL 3 (seen: #GP on IN at CPL3), so all printing runs in the #UD gate.
        /// </summary>
        private void EmitEscapeReport(int reason)
        {
            A.mov(esi, reason);
            A.mov(ebp, GuestCodeBuilder.EscapeReport);
            A.ud2();
        }

        /// <summary>The report (CPL0, reason in ESI): the summary, or the first failure; ends the VM.</summary>
        private void EmitReport()
        {
            Label notDone = A.CreateLabel();
            Label notCall = A.CreateLabel();
            Label notRow = A.CreateLabel();
            A.cmp(esi, ReasonDone);
            A.jne(notDone);
            EmitSummary();
            A.Label(ref notDone);
            A.cmp(esi, ReasonCallFailed);
            A.jne(notCall);
            EmitRoundPrefix();
            _g.Print(_g.String("the call returned RAX = "));
            A.mov(rax, r15);
            _g.PrintRaxDecimal();
            _g.Print(_g.String(", expected 0 (HV_STATUS_SUCCESS)\nhvipi: FAILED\n"));
            _g.Exit(1);
            A.Label(ref notCall);
            A.cmp(esi, ReasonRowFailed);
            A.jne(notRow);
            _g.Print(_g.String("hvipi: invalid call ("));
            EmitVariantName();
            _g.Print(_g.String(", vector "));
            A.mov(eax, r10d);
            _g.PrintRaxDecimal();
            _g.Print(_g.String(", target VTL "));
            A.mov(rax, r10);
            A.shr(rax, 32);
            _g.PrintRaxDecimal();
            _g.Print(_g.String("): RAX = "));
            A.mov(rax, r15);
            _g.PrintRaxDecimal();
            _g.Print(_g.String($", expected {InvalidParameter} (HV_STATUS_INVALID_PARAMETER)\nhvipi: FAILED\n"));
            _g.Exit(1);
            A.Label(ref notRow);
            EmitMismatch();
        }

        /// <summary>
        /// Each slow form without SET_ALL once per invalid (vector, TargetVtl), to every target: the status must be
        /// HV_STATUS_INVALID_PARAMETER (the handlers' choice, FlushHypercalls remarks; the TLFS names none).
        /// </summary>
        private void EmitErrorRows()
        {
            for (int v = 0; v < variants.Count; v++)
            {
                if (variants[v].All || variants[v].Fast)
                {
                    continue;
                }

                foreach ((uint vector, uint vtl) in ErrorRows)
                {
                    Label ok = A.CreateLabel();
                    A.mov(__qword_ptr[(long)Variant], v);
                    A.mov(r15, AllMask & ~1UL);
                    A.mov(r10, vector | ((ulong)vtl << 32));
                    A.call(_buildAndCall);
                    A.cmp(rax, InvalidParameter);
                    A.je(ok);
                    A.mov(r15, rax);
                    EmitEscapeReport(ReasonRowFailed);
                    A.Label(ref ok);
                }
            }
        }

        /// <summary>
        /// R15 = the round's vCPU set: every vCPU for a SET_ALL form, else the next non-empty xorshift64 value
        /// (Marsaglia 2003: 13, 7, 17) masked to the targets. Each named vCPU's expected count goes up by one; the
        /// skipped vCPU of the negative control is expected although never named.
        /// </summary>
        private void EmitPickTargets()
        {
            Label random = A.CreateLabel();
            Label picked = A.CreateLabel();
            A.mov(rax, __qword_ptr[(long)Variant]);
            A.lea(rcx, __[_allTable]);
            A.movzx(eax, __byte_ptr[rcx + rax]);
            A.mov(r15, AllMask);
            A.test(eax, eax);
            A.jnz(picked);
            A.Label(ref random);
            A.mov(rax, __qword_ptr[(long)State]);
            foreach ((bool left, int bits) in new[] { (true, 13), (false, 7), (true, 17) })
            {
                A.mov(rcx, rax);
                if (left)
                {
                    A.shl(rcx, (byte)bits);
                }
                else
                {
                    A.shr(rcx, (byte)bits);
                }

                A.xor(rax, rcx);
            }

            A.mov(__qword_ptr[(long)State], rax);
            A.mov(rcx, AllMask & ~1UL);
            A.and(rax, rcx);
            A.jz(random);
            A.mov(r15, rax);
            A.Label(ref picked);
            A.mov(rbx, r15);
            if (skip != 0)
            {
                A.bts(rbx, (byte)skip);
            }

            A.mov(__qword_ptr[(long)ExpectedMask], rbx);
            Label loop = A.CreateLabel();
            Label done = A.CreateLabel();
            A.mov(rdx, Expected);
            A.Label(ref loop);
            A.test(rbx, rbx);
            A.jz(done);
            A.bsf(rcx, rbx);
            A.btr(rbx, rcx);
            A.inc(__qword_ptr[rdx + rcx * 8]);
            A.jmp(loop);
            A.Label(ref done);
            FlushBenchGuest.EmitReadTsc(A);
            A.mov(__qword_ptr[(long)Start], rax);
        }

        /// <summary>Waits until each expected vCPU's count reached its expectation, or reports it missing after the timeout.</summary>
        private void EmitWaitForNamed()
        {
            Label next = A.CreateLabel();
            Label spin = A.CreateLabel();
            Label got = A.CreateLabel();
            Label done = A.CreateLabel();
            A.mov(rbx, __qword_ptr[(long)ExpectedMask]);
            A.Label(ref next);
            A.test(rbx, rbx);
            A.jz(done);
            A.bsf(r9, rbx);
            A.Label(ref spin);
            EmitLoadCounts();
            A.cmp(rax, rcx);
            A.jae(got);
            A.pause();
            FlushBenchGuest.EmitReadTsc(A);
            A.sub(rax, __qword_ptr[(long)Start]);
            A.mov(rcx, timeoutCycles);
            A.cmp(rax, rcx);
            A.jb(spin);
            A.call(_checkAll);                          // reports the missing interrupt and never returns
            A.Label(ref got);
            A.btr(rbx, r9);
            A.jmp(next);
            A.Label(ref done);
        }

        /// <summary>RAX = vCPU R9's count, RCX = its expected count.</summary>
        private void EmitLoadCounts()
        {
            A.mov(rax, r9);
            A.shl(rax, 6);
            A.mov(rcx, Counters);
            A.mov(rax, __qword_ptr[rax + rcx]);
            A.mov(rcx, Expected);
            A.mov(rcx, __qword_ptr[rcx + r9 * 8]);
        }

        /// <summary>Subroutine: every vCPU's count equals its expectation, or report the first that does not and fail.</summary>
        private void EmitCheckAll()
        {
            Label loop = A.CreateLabel();
            Label bad = A.CreateLabel();
            A.Label(ref _checkAll);
            A.xor(r9d, r9d);
            A.Label(ref loop);
            EmitLoadCounts();
            A.cmp(rax, rcx);
            A.jne(bad);
            A.inc(r9);
            A.cmp(r9, r12);
            A.jb(loop);
            A.ret();
            A.Label(ref bad);
            EmitEscapeReport(ReasonMismatch);
        }

        /// <summary>
        /// Report of vCPU R9's count against its expectation in round R14. Printing clobbers R9, so the vCPU is kept in
        /// R13 (the handler's counter pointer, unused now: the report runs with IF = 0 and ends the VM).
        /// </summary>
        private void EmitMismatch()
        {
            Label missing = A.CreateLabel();
            Label said = A.CreateLabel();
            A.mov(r13, r9);
            EmitRoundPrefix();
            _g.Print(_g.String("vCPU "));
            A.mov(rax, r13);
            _g.PrintRaxDecimal();
            _g.Print(_g.String(" has taken "));
            A.mov(r9, r13);
            EmitLoadCounts();
            _g.PrintRaxDecimal();
            _g.Print(_g.String(" interrupts, expected "));
            A.mov(r9, r13);
            EmitLoadCounts();
            A.mov(rax, rcx);
            _g.PrintRaxDecimal();
            A.mov(r9, r13);
            EmitLoadCounts();
            A.cmp(rax, rcx);
            A.jb(missing);
            _g.Print(_g.String(" (extra)"));
            A.jmp(said);
            A.Label(ref missing);
            _g.Print(_g.String($" (missing after {timeoutCycles} TSC cycles)"));
            A.Label(ref said);
            _g.Print(_g.String("\nhvipi: FAILED\n"));
            _g.Exit(1);
        }

        /// <summary>Prints "hvipi: round R (NAME): ", round 0 being the invalid calls. Clobbers RAX, RBX, RCX, RDX, R9.</summary>
        private void EmitRoundPrefix()
        {
            _g.Print(_g.String("hvipi: round "));
            A.mov(rax, r14);
            _g.PrintRaxDecimal();
            _g.Print(_g.String(" ("));
            EmitVariantName();
            _g.Print(_g.String("): "));
        }

        /// <summary>Prints the name of variant [Variant]. Clobbers RAX, RBX, RCX, RDX, R9.</summary>
        private void EmitVariantName()
        {
            A.lea(rbx, __[_names]);
            A.mov(rax, __qword_ptr[(long)Variant]);
            A.shl(rax, 4);                              // NameWidth bytes per name
            A.add(rbx, rax);
            _g.PrintAtRbx();
        }

        /// <summary>
        /// Subroutine: builds the input of variant [Variant] for the vCPUs in R15 with Vector/TargetVtl qword R10, and
        /// makes the call through the #UD gate. Out: RAX the call's result. Clobbers RBX, RCX, RDX, RSI, RDI, R8, R11, RBP, XMM0-XMM5.
        /// </summary>
        private void EmitBuildAndCall()
        {
            Label call = A.CreateLabel("call");
            A.Label(ref _buildAndCall);
            A.mov(rdi, Input);
            A.lea(r8, __[_vpTable]);
            A.mov(rax, __qword_ptr[(long)Variant]);
            _g.Switch(variants.Count, v => EmitInput(variants[v]), call);
            _g.Exit(0xE000_0007);                       // unreachable: variant index out of range
            A.Label(ref call);
            A.mov(ebp, GuestCodeBuilder.EscapeHypercall);
            A.ud2();
            A.ret();
        }

        /// <summary>
        /// Input block at RDI (TLFS HvCallSendSyntheticClusterIpi / ...Ex, docs/hyperv.md#cluster-ipi): Vector (u32), TargetVtl
        /// (u8) and 3 reserved bytes as one qword, then the ProcessorMask (0x000B) or the HV_VP_SET (0x0015, its bank
        /// QWORDs the variable header). Leaves RCX, RDX, R8 as the call takes them: slow, the block's GPA; fast, the
        /// first 16 bytes in RDX:R8 and the rest in XMM0-XMM5 (TLFS "XMM Fast Hypercall Input").
        /// </summary>
        private void EmitInput(IpiVariant v)
        {
            A.mov(__qword_ptr[rdi], r10);
            if (!v.Ex)
            {
                VpSetEmitter.EmitProcessorMask(A, _named, 8);
                A.mov(ecx, (uint)HvCallCode.HvCallSendSyntheticClusterIpi | (v.Fast ? (uint)HypercallInput.FastBit : 0));
            }
            else
            {
                if (v.All)
                {
                    VpSetEmitter.EmitSetAll(A, 8);
                    A.xor(r8d, r8d);
                }
                else
                {
                    VpSetEmitter.EmitSparseSet(A, _named, 8);
                }

                A.mov(rcx, r8);
                A.shl(rcx, HypercallInput.VariableHeaderSizeShift);
                A.or(ecx, (uint)HvCallCode.HvCallSendSyntheticClusterIpiEx | (v.Fast ? (uint)HypercallInput.FastBit : 0));
                if (v.Fast)
                {
                    AssemblerRegisterXMM[] xmms = [xmm0, xmm1, xmm2, xmm3, xmm4, xmm5];
                    for (int i = 0; i < xmms.Length; i++)
                    {
                        A.movdqu(xmms[i], __xmmword_ptr[rdi + 16 + (16 * i)]);
                    }
                }
            }

            if (v.Fast)
            {
                A.mov(rdx, __qword_ptr[rdi]);
                A.mov(r8, __qword_ptr[rdi + 8]);
            }
            else
            {
                A.mov(rdx, rdi);
                A.xor(r8d, r8d);
            }
        }

        /// <summary>"hvipi: R rounds on N vCPUs (variants: …), D interrupts delivered, 0 missing, 0 extra; …", exit 0.</summary>
        private void EmitSummary()
        {
            _g.Print(_g.String($"hvipi: {rounds} rounds on {_n} vCPUs (variants: {string.Join(", ", variants.Select(v => v.Name))}), "));
            Label sum = A.CreateLabel();
            A.xor(r10d, r10d);
            A.xor(r9d, r9d);
            A.Label(ref sum);
            EmitLoadCounts();
            A.add(r10, rax);
            A.inc(r9);
            A.cmp(r9, r12);
            A.jb(sum);
            A.mov(rax, r10);
            _g.PrintRaxDecimal();
            int rejected = variants.Count(v => !v.All && !v.Fast) * ErrorRows.Length;
            _g.Print(_g.String($" interrupts delivered, 0 missing, 0 extra; {rejected} invalid calls rejected with HV_STATUS_INVALID_PARAMETER, no interrupt\n"));
            _g.Exit(0);
        }
    }
}

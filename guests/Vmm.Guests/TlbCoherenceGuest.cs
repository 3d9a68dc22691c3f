using Iced.Intel;
using Vmm.HyperV.Cpuid;
using Vmm.HyperV.Tlfs;
using static Iced.Intel.AssemblerRegisters;

namespace Vmm.Guests;

/// <summary>
/// `tlbcoherence`: proves that when a flush hypercall returns, no target vCPU can still use a flushed translation.
/// vCPU 0 is the sender, vCPUs 1..N-1 are workers. Each worker builds its own page-table chain for the test address
/// X = 512 GiB (PML4 slot 1) and three data pages whose first qword is a marker, loads its own CR3 and then reads X
/// at CPL3 in a tight loop. Each round the sender remaps X for a set of workers with native CPL3 stores to their
/// PTs (no INVLPG, no CR3 reload: on shadow-paging hosts only a native store leaves a stale translation behind,
/// and private chains keep one worker's shadow-page sync from repairing another's; docs/kvm-host.md#stale-translations),
/// issues one flush hypercall (variants cycle: Space with a mask, with ALL_PROCESSORS, List, SpaceEx with a sparse
/// VP set built from the VP indices, SpaceEx with SET_ALL, ListEx), checks its status, then publishes each target's
/// epoch. A worker read made entirely within one epoch must return the page of that epoch or of the next one;
/// the page of the previous epoch is a stale read. The sender waits (bounded) until each target has sampled its
/// new epoch before the next round. With XMM fast input offered (<c>xmm</c>, in the windows profile) the cycle adds
/// the XMM-fast form of each call (<see cref="FlushVariant.For"/>).
/// </summary>
public sealed class TlbCoherenceGuest : IBuiltInGuest
{
    /// <summary>Default number of rounds.</summary>
    public const long DefaultRounds = 10_000;

    /// <summary>The test address: PML4 slot 1, clear of the identity map in slot 0.</summary>
    public const ulong TestAddress = PrivateChain.TestAddress;

    /// <summary>Most vCPUs the guest handles (target sets are 64-bit masks of vCPU indices).</summary>
    public const int MaxProcessors = 64;

    private const ulong Control = GuestCodeBuilder.DataBase;               // ReadyCount
    private const ulong StopWord = GuestCodeBuilder.DataBase + 0x40;
    private const ulong HypercallPage = GuestCodeBuilder.DataBase + 0x2000;
    private const ulong Input = GuestCodeBuilder.DataBase + 0x3000;       // bank scratch at + 0x800
    private const ulong Sender = GuestCodeBuilder.DataBase + 0x4000;
    private const ulong Workers = GuestCodeBuilder.DataBase + 0x5000;      // 256 bytes per vCPU
    private const ulong Tables = GuestCodeBuilder.DataBase + 0x1_0000;     // 7 pages per vCPU
    private const int TableStride = PrivateChain.Size;
    private const int WorkerStride = 256;

    // Sender state (offsets from Sender).
    private const int SVariant = 0x00;
    private const int SMode = 0x08;
    private const int SRng = 0x10;
    private const int SFailResult = 0x18;
    private const int SFailRound = 0x20;
    private const int SFailVariant = 0x28;
    private const int SFailed = 0x30;
    private const int SUnobserved = 0x38;
    private const int SRoundT = 0x400;                                     // 64 qwords

    // Worker block (offsets from Workers + t * 256). Line 0 is written by the sender, the rest by the worker.
    private const int WEpoch = 0x00;
    private const int WLastRound = 0x08;
    private const int WSeen = 0x40;
    private const int WStale = 0x80;
    private const int WSamples = 0x88;
    private const int WFirstRound = 0x90;
    private const int WFirstValue = 0x98;
    private const int WFirstExpected = 0xA0;
    private const int WHaveFirst = 0xA8;
    private const int WGarbage = 0xB0;
    private const int WDone = 0xB8;

    private const ulong LeafFlags = PrivateChain.LeafFlags;
    private const long SeenTimeoutCycles = 1L << 30;

    /// <inheritdoc />
    public string Name => "tlbcoherence";

    /// <inheritdoc />
    public string Description => "proves no target vCPU uses a flushed translation once a flush hypercall returns (needs --hv with tlbflush, 2+ vCPUs)";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Arguments => new Dictionary<string, string>
    {
        ["rounds"] = $"flush rounds (default {DefaultRounds})",
        ["seed"] = "random seed for target subsets (default 1)",
        ["omit"] = "negative control: leave this worker vCPU out of every processor mask and VP set while still remapping its page (expect stale reads on it alone; default none)",
    };

    /// <summary>The variant names in the order the guest cycles through them for <paramref name="context"/>.</summary>
    public static IReadOnlyList<string> VariantNames(GuestBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return [.. FlushVariant.For(context.HyperV, context.VpIndices).Select(v => v.Name)];
    }

    /// <inheritdoc />
    public GuestImage Build(GuestBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        long rounds = context.GetInt64("rounds", DefaultRounds, 1, int.MaxValue);
        long seed = context.GetInt64("seed", 1, 0, long.MaxValue);
        long omit = context.GetInt64("omit", 0, 1, MaxProcessors - 1);
        if (!context.HyperV.Has(HyperVFeature.Hypercall) || !context.HyperV.Has(HyperVFeature.TlbFlush))
        {
            throw new ArgumentException("guest 'tlbcoherence' needs the flush hypercalls (--hv linux or windows, or a profile with 'tlbflush').");
        }

        if (context.ProcessorCount < 2 || context.ProcessorCount > MaxProcessors)
        {
            throw new ArgumentException($"guest 'tlbcoherence' needs from 2 to {MaxProcessors} vCPUs (vCPU 0 flushes, the others are flushed), not {context.ProcessorCount}.");
        }

        ulong needed = Tables + ((ulong)context.ProcessorCount * TableStride) + ((ulong)context.ProcessorCount * 0x8000) + 0x10_0000;
        if (needed > context.MemorySize)
        {
            throw new ArgumentException($"guest 'tlbcoherence' with {context.ProcessorCount} vCPUs needs at least {needed >> 20} MiB of memory.");
        }

        List<FlushVariant> variants = FlushVariant.For(context.HyperV, context.VpIndices);
        return new Emitter(context, rounds, seed == 0 ? 0x9E37_79B9_7F4A_7C15UL : (ulong)seed, omit, variants).Emit();
    }

    private sealed class Emitter
    {
        private readonly long _rounds;
        private readonly ulong _seed;
        private readonly List<FlushVariant> _variants;
        private readonly GuestCodeBuilder _g = new();
        private readonly int _n;
        private readonly ulong _allWorkers;
        private readonly FlushInputEmitter _inputs;

        public Emitter(GuestBuildContext context, long rounds, ulong seed, long omit, List<FlushVariant> variants)
        {
            _rounds = rounds;
            _seed = seed;
            _variants = variants;
            _n = context.ProcessorCount;
            _allWorkers = _n >= 64 ? ~1UL : ((1UL << _n) - 1) & ~1UL;
            _inputs = new FlushInputEmitter(_g, variants, context.VpIndices, omit == 0 ? ~0UL : ~(1UL << (int)omit), r13);
        }

        private Assembler A => _g.Asm;

        public GuestImage Emit()
        {
            Label entry = A.CreateLabel("entry");
            Label sender = A.CreateLabel("sender");
            Label tooFew = A.CreateLabel("too_few");
            A.Label(ref entry);
            A.mov(r12, rsi);                            // vCPU count
            A.mov(r13, rdi);                            // vCPU index
            A.test(edi, edi);
            A.jz(sender);
            EmitWorker();

            A.Label(ref sender);
            A.cmp(r12, 2);
            A.jb(tooFew);
            EmitSender();

            A.Label(ref tooFew);
            _g.Print(_g.String("tlbcoherence: needs at least 2 vCPUs (vCPU 0 sends, the others are flushed)\n"));
            _g.Exit(1);

            EmitHandler();

            _inputs.EmitVpTable();
            return _g.Build(entry);
        }

        private void EmitWorker()
        {
            Label user = A.CreateLabel("worker_user");
            Label loop = A.CreateLabel("worker_loop");
            Label classify = A.CreateLabel("classify");
            Label garbage = A.CreateLabel("garbage");
            Label first = A.CreateLabel("first");
            Label seen = A.CreateLabel("seen");
            Label stop = A.CreateLabel("check_stop");
            Label recompute = A.CreateLabel("recompute");

            // CPL0, once: private PML4 (slot 0 = the shared identity PDPT, slot 1 = our PDPT), PDPT, PD, PT for X and
            // three marked data pages; then our own CR3.
            PrivateChain.EmitBuild(A, Tables);
            A.lea(rax, __[rbx + (0x4000 + (int)LeafFlags)]);
            A.mov(__qword_ptr[rbx + 0x3000], rax);      // PT[0] → P(t, 0)
            A.mov(rax, r13);
            A.shl(rax, 8);
            A.mov(__qword_ptr[rbx + 0x4000], rax);      // markers (t << 8) | k
            A.inc(rax);
            A.mov(__qword_ptr[rbx + 0x5000], rax);
            A.inc(rax);
            A.mov(__qword_ptr[rbx + 0x6000], rax);
            A.mov(cr3, rbx);
            A.mov(rax, Control);
            A.@lock.inc(__qword_ptr[rax]);
            _g.EnterUserMode(user);

            // CPL3 (native): e1 = epoch; round; v = [X]; e2 = epoch. With e1 == e2 == e, v must be the marker of
            // page e mod 3 (current) or (e + 1) mod 3 (the sender may have written the next PTE); (e + 2) mod 3 is
            // the page before the flush: a stale read. R10/R11/R12 cache the three markers for epoch R9.
            A.Label(ref user);
            A.imul(rsi, r13, WorkerStride);
            A.mov(rax, Workers);
            A.add(rsi, rax);
            A.mov(rdi, TestAddress);
            A.mov(r15, r13);
            A.shl(r15, 8);
            A.mov(r9, -1L);
            A.xor(r14d, r14d);
            A.mov(rbp, StopWord);
            A.Label(ref loop);
            A.mov(rax, __qword_ptr[rsi + WEpoch]);
            A.mov(r8, __qword_ptr[rsi + WLastRound]);
            A.mov(rcx, __qword_ptr[rdi]);
            A.mov(rbx, __qword_ptr[rsi + WEpoch]);
            A.cmp(rax, rbx);
            A.jne(stop);
            A.inc(r14);
            A.cmp(rax, r9);
            A.jne(recompute);
            A.Label(ref classify);
            A.cmp(rcx, r10);
            A.je(seen);
            A.cmp(rcx, r11);
            A.je(seen);
            A.cmp(rcx, r12);
            A.jne(garbage);
            A.inc(__qword_ptr[rsi + WStale]);
            A.jmp(first);
            A.Label(ref garbage);
            A.inc(__qword_ptr[rsi + WGarbage]);
            A.Label(ref first);
            A.cmp(__qword_ptr[rsi + WHaveFirst], 0);
            A.jne(seen);
            A.mov(__qword_ptr[rsi + WFirstRound], r8);
            A.mov(__qword_ptr[rsi + WFirstValue], rcx);
            A.mov(__qword_ptr[rsi + WFirstExpected], r10);
            A.mov(__qword_ptr[rsi + WHaveFirst], 1);
            A.Label(ref seen);
            A.cmp(__qword_ptr[rsi + WSeen], rax);
            A.je(stop);
            A.mov(__qword_ptr[rsi + WSeen], rax);
            A.Label(ref stop);
            A.cmp(__qword_ptr[rbp], 0);
            A.je(loop);
            A.mov(__qword_ptr[rsi + WSamples], r14);
            A.mov(__qword_ptr[rsi + WDone], 1);
            A.mov(ebp, GuestCodeBuilder.EscapePark);
            A.ud2();

            A.Label(ref recompute);
            A.mov(r9, rax);
            A.xor(edx, edx);
            A.mov(ebx, 3);
            A.div(rbx);
            PrivateChain.EmitEpochMarkers(A, r15, i => i switch { 0 => r10, 1 => r11, _ => r12 });
            A.mov(rax, r9);
            A.jmp(classify);
        }

        private void Rng()
        {
            // xorshift64 on the state in memory; result in RAX. Clobbers RDX.
            A.mov(rdx, Sender);
            A.mov(rax, __qword_ptr[rdx + SRng]);
            A.mov(rdx, rax);
            A.shl(rdx, 13);
            A.xor(rax, rdx);
            A.mov(rdx, rax);
            A.shr(rdx, 7);
            A.xor(rax, rdx);
            A.mov(rdx, rax);
            A.shl(rdx, 17);
            A.xor(rax, rdx);
            A.mov(rdx, Sender);
            A.mov(__qword_ptr[rdx + SRng], rax);
        }

        private void EmitSender()
        {
            Label user = A.CreateLabel("sender_user");
            Label waitReady = A.CreateLabel("wait_ready");
            Label roundLoop = A.CreateLabel("round_loop");
            Label finish = A.CreateLabel("finish");
            Label modeAll = A.CreateLabel("mode_all");
            Label modeSingle = A.CreateLabel("mode_single");
            Label targetsDone = A.CreateLabel("targets_done");
            Label pteLoop = A.CreateLabel("pte_loop");
            Label pteDone = A.CreateLabel("pte_done");
            Label doCall = A.CreateLabel("do_call");
            Label hcFailed = A.CreateLabel("hc_failed");
            Label pubLoop = A.CreateLabel("pub_loop");
            Label pubDone = A.CreateLabel("pub_done");
            Label waitLoop = A.CreateLabel("wait_loop");
            Label spin = A.CreateLabel("spin");
            Label nextTarget = A.CreateLabel("next_target");
            Label waitDone = A.CreateLabel("wait_done");
            Label keepMode = A.CreateLabel("keep_mode");
            Label storeVariant = A.CreateLabel("store_variant");
            Label waitWorkers = A.CreateLabel("wait_workers");

            // CPL0: hypercall page, RNG seed; then everything else at CPL3.
            _g.EnableHypercallPage(HypercallPage, HvProbeGuest.GuestOsId);
            A.mov(rdx, Sender);
            A.mov(rax, _seed);
            A.mov(__qword_ptr[rdx + SRng], rax);
            _g.EnterUserMode(user);

            A.Label(ref user);
            A.lea(rax, __[r12 - 1]);
            A.mov(rdx, Control);
            A.Label(ref waitReady);
            A.pause();
            A.cmp(__qword_ptr[rdx], rax);
            A.jb(waitReady);
            A.xor(r14d, r14d);                          // round

            A.Label(ref roundLoop);
            A.mov(rax, _rounds);
            A.cmp(r14, rax);
            A.jae(finish);

            // Targets (R15, a mask of vCPU indices) by mode: 0 all workers, 1 one random worker (whose CR3 is then
            // named as the address space, without ALL_VIRTUAL_ADDRESS_SPACES), 2 a random non-empty subset.
            // R10 = AddressSpace, R11 = Flags.
            A.mov(rdx, Sender);
            A.mov(rax, __qword_ptr[rdx + SMode]);
            A.cmp(rax, 1);
            A.je(modeSingle);
            A.jb(modeAll);
            Rng();
            A.mov(rdx, _allWorkers);
            A.and(rax, rdx);
            A.jz(modeAll);
            A.mov(r15, rax);
            A.xor(r10d, r10d);
            A.mov(r11d, (uint)HvFlushFlags.AllVirtualAddressSpaces);
            A.jmp(targetsDone);
            A.Label(ref modeSingle);
            Rng();
            A.xor(edx, edx);
            A.lea(rcx, __[r12 - 1]);
            A.div(rcx);
            A.lea(rcx, __[rdx + 1]);
            A.xor(r15d, r15d);
            A.bts(r15, rcx);
            A.imul(r10, rcx, TableStride);
            A.mov(rax, Tables);
            A.add(r10, rax);                            // the worker's PML4: its CR3
            A.xor(r11d, r11d);
            A.jmp(targetsDone);
            A.Label(ref modeAll);
            A.mov(r15, _allWorkers);
            A.xor(r10d, r10d);
            A.mov(r11d, (uint)HvFlushFlags.AllVirtualAddressSpaces);
            A.Label(ref targetsDone);

            // PT_t[X] = P(t, (round_t + 1) mod 3): native CPL3 stores, no INVLPG, no CR3 reload.
            A.mov(rbx, r15);
            A.mov(esi, 3);
            A.Label(ref pteLoop);
            A.test(rbx, rbx);
            A.jz(pteDone);
            A.bsf(rcx, rbx);
            A.btr(rbx, rcx);
            A.mov(rdi, Sender);
            A.mov(rax, __qword_ptr[rdi + rcx * 8 + SRoundT]);
            A.inc(rax);
            A.xor(edx, edx);
            A.div(rsi);
            A.shl(rdx, 12);
            A.imul(rdi, rcx, TableStride);
            A.mov(rax, Tables + 0x4000 + LeafFlags);
            A.add(rax, rdi);
            A.add(rax, rdx);
            A.mov(rdx, Tables + 0x3000);
            A.mov(__qword_ptr[rdi + rdx], rax);
            A.jmp(pteLoop);
            A.Label(ref pteDone);

            // The variant's input block and control word (RCX), expected RAX (R9); R13 = X for the list calls.
            A.mov(rdx, Sender);
            A.mov(rax, __qword_ptr[rdx + SVariant]);
            A.mov(rdi, Input);
            A.mov(r13, TestAddress);
            _inputs.EmitDispatch(doCall);

            // Up to CPL0 through #UD: the handler calls the hypercall page and returns after the UD2.
            A.Label(ref doCall);
            _inputs.EmitCallRegisters();
            A.mov(ebp, GuestCodeBuilder.EscapeHypercall);
            A.ud2();
            A.cmp(rax, r9);
            A.jne(hcFailed);

            // Publish: round_t += 1; last round; then the epoch (after the hypercall returned).
            A.mov(rbx, r15);
            A.Label(ref pubLoop);
            A.test(rbx, rbx);
            A.jz(pubDone);
            A.bsf(rcx, rbx);
            A.btr(rbx, rcx);
            A.mov(rdi, Sender);
            A.mov(rax, __qword_ptr[rdi + rcx * 8 + SRoundT]);
            A.inc(rax);
            A.mov(__qword_ptr[rdi + rcx * 8 + SRoundT], rax);
            A.imul(rdi, rcx, WorkerStride);
            A.mov(rdx, Workers);
            A.add(rdi, rdx);
            A.mov(__qword_ptr[rdi + WLastRound], r14);
            A.mov(__qword_ptr[rdi + WEpoch], rax);
            A.jmp(pubLoop);
            A.Label(ref pubDone);

            // Wait (bounded by the TSC) until each target has sampled its new epoch: its first read after the
            // flush is then checked. A target not seen in time (descheduled) is counted, not waited for forever.
            A.rdtsc();
            A.shl(rdx, 32);
            A.or(rax, rdx);
            A.mov(rsi, rax);
            A.mov(rbx, r15);
            A.Label(ref waitLoop);
            A.test(rbx, rbx);
            A.jz(waitDone);
            A.bsf(rcx, rbx);
            A.btr(rbx, rcx);
            A.imul(rdi, rcx, WorkerStride);
            A.mov(rdx, Workers);
            A.add(rdi, rdx);
            A.Label(ref spin);
            A.mov(rax, __qword_ptr[rdi + WSeen]);
            A.cmp(rax, __qword_ptr[rdi + WEpoch]);
            A.je(nextTarget);
            A.pause();
            A.rdtsc();
            A.shl(rdx, 32);
            A.or(rax, rdx);
            A.sub(rax, rsi);
            A.mov(rdx, SeenTimeoutCycles);
            A.cmp(rax, rdx);
            A.jb(spin);
            A.mov(rdx, Sender);
            A.inc(__qword_ptr[rdx + SUnobserved]);
            A.rdtsc();
            A.shl(rdx, 32);
            A.or(rax, rdx);
            A.mov(rsi, rax);
            A.Label(ref nextTarget);
            A.jmp(waitLoop);
            A.Label(ref waitDone);

            // Next variant; after a full cycle of variants, the next target mode.
            A.inc(r14);
            A.mov(rdi, Sender);
            A.mov(rax, __qword_ptr[rdi + SVariant]);
            A.inc(rax);
            A.cmp(rax, _variants.Count);
            A.jb(storeVariant);
            A.xor(eax, eax);
            A.mov(rdx, __qword_ptr[rdi + SMode]);
            A.inc(rdx);
            A.cmp(rdx, 3);
            A.jb(keepMode);
            A.xor(edx, edx);
            A.Label(ref keepMode);
            A.mov(__qword_ptr[rdi + SMode], rdx);
            A.Label(ref storeVariant);
            A.mov(__qword_ptr[rdi + SVariant], rax);
            A.jmp(roundLoop);

            A.Label(ref hcFailed);
            A.mov(rdi, Sender);
            A.mov(__qword_ptr[rdi + SFailResult], rax);
            A.mov(__qword_ptr[rdi + SFailRound], r14);
            A.mov(rax, __qword_ptr[rdi + SVariant]);
            A.mov(__qword_ptr[rdi + SFailVariant], rax);
            A.mov(__qword_ptr[rdi + SFailed], 1);

            // Stop the workers, wait until each has stored its counts, then report from CPL0.
            A.Label(ref finish);
            A.mov(rax, StopWord);
            A.mov(__qword_ptr[rax], 1);
            A.mov(r10d, 1);
            A.Label(ref waitWorkers);
            A.cmp(r10, r12);
            Label allDone = A.CreateLabel("all_done");
            Label pollDone = A.CreateLabel("poll_done");
            A.jae(allDone);
            A.imul(rdi, r10, WorkerStride);
            A.mov(rdx, Workers);
            A.add(rdi, rdx);
            A.Label(ref pollDone);
            A.pause();
            A.cmp(__qword_ptr[rdi + WDone], 0);
            A.je(pollDone);
            A.inc(r10);
            A.jmp(waitWorkers);
            A.Label(ref allDone);
            A.mov(ebp, GuestCodeBuilder.EscapeReport);
            A.ud2();
        }

        private void EmitHandler() =>
            // #UD at CPL0: the sender's hypercall, a worker parking, or the sender's report.
            _g.UserEscapeGate(HypercallPage, EmitReport);

        private void EmitReport()
        {
            Label loop = A.CreateLabel("rep_loop");
            Label next = A.CreateLabel("rep_next");
            Label noStale = A.CreateLabel("rep_no_stale");
            Label loopDone = A.CreateLabel("rep_done");
            Label prefix = _g.String("tlbcoherence: vCPU ");
            Label staleText = _g.String(" stale reads (first bad read in round ");
            Label garbageText = _g.String(" reads of no marker (first bad read in round ");
            Label readText = _g.String(": read marker ");
            Label expectedText = _g.String(", expected ");
            Label closeText = _g.String(")\n");
            Label colon = _g.String(": ");

            // R13 samples, R15 stale, RDI garbage; R10 = t, R11 = its block.
            A.xor(r13d, r13d);
            A.xor(r15d, r15d);
            A.xor(edi, edi);
            A.mov(r10d, 1);
            A.Label(ref loop);
            A.cmp(r10, r12);
            A.jae(loopDone);
            A.imul(r11, r10, WorkerStride);
            A.mov(rax, Workers);
            A.add(r11, rax);
            A.add(r13, __qword_ptr[r11 + WSamples]);
            A.add(r15, __qword_ptr[r11 + WStale]);
            A.add(rdi, __qword_ptr[r11 + WGarbage]);
            foreach ((int field, Label text) in new[] { (WStale, staleText), (WGarbage, garbageText) })
            {
                Label skip = A.CreateLabel();
                A.cmp(__qword_ptr[r11 + field], 0);
                A.je(skip);
                _g.Print(prefix);
                A.mov(rax, r10);
                _g.PrintRaxDecimal();
                _g.Print(colon);
                A.mov(rax, __qword_ptr[r11 + field]);
                _g.PrintRaxDecimal();
                _g.Print(text);
                A.mov(rax, __qword_ptr[r11 + WFirstRound]);
                _g.PrintRaxDecimal();
                _g.Print(readText);
                A.mov(rax, __qword_ptr[r11 + WFirstValue]);
                _g.PrintRaxDecimal();
                _g.Print(expectedText);
                A.mov(rax, __qword_ptr[r11 + WFirstExpected]);
                _g.PrintRaxDecimal();
                _g.Print(closeText);
                A.Label(ref skip);
                A.nop();
            }

            A.Label(ref next);
            A.inc(r10);
            A.jmp(loop);
            A.Label(ref loopDone);
            _ = noStale;

            // A failed hypercall: name, round, RAX.
            Label noFail = A.CreateLabel("no_fail");
            A.mov(rsi, Sender);
            A.cmp(__qword_ptr[rsi + SFailed], 0);
            A.je(noFail);
            _g.Print(_g.String("tlbcoherence: "));
            _inputs.EmitPrintFailure(__qword_ptr[rsi + SFailVariant], __qword_ptr[rsi + SFailRound], __qword_ptr[rsi + SFailResult]);
            A.Label(ref noFail);

            // Summary.
            string names = string.Join(", ", _variants.Select(v => v.Name));
            _g.Print(_g.String("tlbcoherence: "));
            A.mov(rax, r14);
            _g.PrintRaxDecimal();
            _g.Print(_g.String(" rounds on "));
            A.mov(rax, r12);
            _g.PrintRaxDecimal();
            _g.Print(_g.String($" vCPUs (variants: {names}), "));
            A.mov(rax, r15);
            _g.PrintRaxDecimal();
            _g.Print(_g.String(" stale reads in "));
            A.mov(rax, r13);
            _g.PrintRaxDecimal();
            _g.Print(_g.String(" samples"));
            Label noUnobserved = A.CreateLabel();
            A.mov(rsi, Sender);
            A.cmp(__qword_ptr[rsi + SUnobserved], 0);
            A.je(noUnobserved);
            _g.Print(_g.String(", "));
            A.mov(rax, __qword_ptr[rsi + SUnobserved]);
            _g.PrintRaxDecimal();
            _g.Print(_g.String(" target waits timed out (target not seen sampling its new epoch)"));
            A.Label(ref noUnobserved);
            _g.Print(_g.String("\n"));

            Label failed = A.CreateLabel("failed");
            A.test(r15, r15);
            A.jnz(failed);
            A.test(rdi, rdi);
            A.jnz(failed);
            A.mov(rsi, Sender);
            A.cmp(__qword_ptr[rsi + SFailed], 0);
            A.jne(failed);
            _g.Exit(0);
            A.Label(ref failed);
            _g.Print(_g.String("tlbcoherence: FAILED\n"));
            _g.Exit(1);
        }
    }
}

using Iced.Intel;
using Vmm.Core.Boot.X86;
using Vmm.HyperV.Cpuid;
using Vmm.HyperV.Tlfs;
using static Iced.Intel.AssemblerRegisters;

namespace Vmm.Guests;

/// <summary>
/// `tlbstorm`: every vCPU flushes all the others at once, `rounds` times each, and no vCPU ever uses a translation
/// a completed flush removed. It is `tlbcoherence` with every vCPU both sender and target: vCPU j owns the test
/// address X_j = <see cref="TestAddress"/> + j * 4 KiB and three marker pages; every vCPU has its own page-table
/// chain mapping all the X_k (private chains, so one vCPU's shadow-page sync cannot repair another's; docs/kvm-host.md#stale-translations).
/// At CPL3 each vCPU alternates `passes` read passes with one send round. A read pass checks X_k for every
/// other k against sender k's published epoch: a read bracketed by two equal epoch reads e must return k's page
/// e mod 3 or (e + 1) mod 3 (the sender may have stored the next PTE already); page (e + 2) mod 3 is the page from
/// before the last completed flush, a stale read. A send round remaps X_j in every other vCPU's chain to page
/// (e + 1) mod 3 with native CPL3 PTE stores (no INVLPG, no CR3 reload: only such stores leave stale translations
/// on shadow-paging hosts), escapes to CPL0 through #UD for ONE flush hypercall naming every other vCPU (the
/// variants cycle as in `tlbcoherence`, starting at a different one on each vCPU), checks the status and then
/// publishes epoch e + 1. No vCPU waits for another to sample or acknowledge anything; a vCPU more than `window`
/// rounds ahead of the slowest other sender reads another batch instead of sending, so that all of them keep
/// flushing through the whole run (on a 2-CPU host some would otherwise finish long before the rest). A vCPU that
/// has sent all its rounds keeps reading until every vCPU has, then one more batch. vCPU 0 then reports per-vCPU
/// totals, including the fewest epoch changes a vCPU saw of one sender: a storm whose targets never saw the epochs
/// move would prove nothing, so fewer than `min-observed` fails the run, as do stale reads, unknown values and
/// failed hypercalls (a flush the VMM could not complete in time returns HV_STATUS_INVALID_VP_STATE).
/// </summary>
public sealed class TlbStormGuest : IBuiltInGuest
{
    /// <summary>Default number of send rounds per vCPU.</summary>
    public const long DefaultRounds = 10_000;

    /// <summary>Default number of read passes between two send rounds.</summary>
    public const long DefaultPasses = 16;

    /// <summary>Default pacing window: the most rounds a vCPU sends ahead of the slowest other vCPU.</summary>
    public const long DefaultWindow = 16;

    /// <summary>The first test address (PML4 slot 1, clear of the identity map in slot 0); X_j is 4 KiB * j above it.</summary>
    public const ulong TestAddress = PrivateChain.TestAddress;

    /// <summary>Most vCPUs the guest handles (target sets are 64-bit masks of vCPU indices).</summary>
    public const int MaxProcessors = 64;

    private const ulong Control = GuestCodeBuilder.DataBase;               // vCPUs ready
    private const ulong Finished = GuestCodeBuilder.DataBase + 0x40;       // vCPUs done sending
    private const ulong HypercallPage = GuestCodeBuilder.DataBase + 0x2000;
    private const ulong Epochs = GuestCodeBuilder.DataBase + 0x4000;       // sender j's epoch at + 64 * j
    private const int ProgressOffset = 8;                                  // its rounds sent, for pacing
    private const ulong Blocks = GuestCodeBuilder.DataBase + 0x1_0000;     // one per vCPU, written by that vCPU
    private const int BlockStride = 0x3000;
    private const ulong Tables = Blocks + (MaxProcessors * (ulong)BlockStride);
    private const int TableStride = PrivateChain.Size;
    private const int PtOffset = PrivateChain.PtOffset;
    private const int MarkerOffset = PrivateChain.MarkerOffset;

    // Block page 0: this vCPU's counters.
    private const int BRoundsSent = 0x00;
    private const int BSamples = 0x08;
    private const int BStale = 0x10;
    private const int BGarbage = 0x18;
    private const int BHaveFirst = 0x20;
    private const int BFirstRound = 0x28;
    private const int BFirstSender = 0x30;
    private const int BFirstValue = 0x38;
    private const int BFirstEpoch = 0x40;
    private const int BFailed = 0x48;
    private const int BFailResult = 0x50;
    private const int BFailRound = 0x58;
    private const int BFailVariant = 0x60;
    private const int BVariant = 0x68;
    private const int BPhase = 0x70;                                       // 1 done sending, 2 everyone done
    private const int BDone = 0x78;

    // Block page 1: per sender k, what this vCPU expects of X_k. Page 2: the hypercall input (+ bank scratch).
    private const int Entries = 0x1000;
    private const int EntryStride = 64;
    private const int ELast = 0x00;                                        // the epoch the markers are for
    private const int EObserved = 0x08;                                    // epoch changes seen
    private const int ECur = 0x10;                                         // then ENext, EStale
    private const int ENext = ECur + 8;
    private const int EStale = ECur + 16;
    private const int InputOffset = 0x2000;

    private const ulong LeafFlags = PrivateChain.LeafFlags;

    /// <inheritdoc />
    public string Name => "tlbstorm";

    /// <inheritdoc />
    public string Description => "every vCPU flushes all others at once, `rounds` times: no deadlock, no stale read (needs --hv with tlbflush, 2+ vCPUs)";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Arguments => new Dictionary<string, string>
    {
        ["rounds"] = $"send rounds per vCPU, each one flush hypercall naming every other vCPU (default {DefaultRounds})",
        ["passes"] = $"read passes over the other vCPUs' addresses between two send rounds (default {DefaultPasses})",
        ["window"] = $"most rounds a vCPU may be ahead of the slowest other sender (default {DefaultWindow})",
        ["min-observed"] = "fewest epoch changes each vCPU must see of each other sender (default rounds / (4 * window), at least 1)",
    };

    /// <summary>The variant names each vCPU cycles through for <paramref name="context"/>.</summary>
    public static IReadOnlyList<string> VariantNames(GuestBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return [.. FlushVariant.For(context.HyperV, context.VpIndices).Select(v => v.Name)];
    }

    /// <summary>
    /// The default for `min-observed`. In the worst schedule, vCPUs taking turns and each running `window` rounds
    /// ahead of the others, a vCPU sees a sender's epoch move only about rounds / (2 * window) times (each jump up to
    /// 2 * window epochs); half of that leaves room for noise. Runs with vCPUs truly in parallel see far more (8 vCPUs
    /// on 2 host CPUs: 30-46 % of all epochs).
    /// </summary>
    public static long DefaultMinObserved(long rounds, long window) => Math.Max(1, rounds / (4 * window));

    /// <summary>Guest memory the storm needs with <paramref name="processors"/> vCPUs: its data, tables and the stacks.</summary>
    public static ulong MemoryNeeded(int processors) =>
        Tables + ((ulong)processors * TableStride) + ((ulong)processors * LongModeLayout.StackBlockSize);

    /// <inheritdoc />
    public GuestImage Build(GuestBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        long rounds = context.GetInt64("rounds", DefaultRounds, 1, 1_000_000);
        long passes = context.GetInt64("passes", DefaultPasses, 1, 1_000_000);
        long window = context.GetInt64("window", DefaultWindow, 1, 1_000_000);
        long minObserved = context.GetInt64("min-observed", DefaultMinObserved(rounds, window), 0, rounds);
        if (!context.HyperV.Has(HyperVFeature.Hypercall) || !context.HyperV.Has(HyperVFeature.TlbFlush))
        {
            throw new ArgumentException("guest 'tlbstorm' needs the flush hypercalls (--hv linux or windows, or a profile with 'tlbflush').");
        }

        if (context.ProcessorCount is < 2 or > MaxProcessors)
        {
            throw new ArgumentException($"guest 'tlbstorm' needs from 2 to {MaxProcessors} vCPUs (every vCPU flushes the others), not {context.ProcessorCount}.");
        }

        ulong needed = MemoryNeeded(context.ProcessorCount);
        if (needed > context.MemorySize)
        {
            throw new ArgumentException($"guest 'tlbstorm' with {context.ProcessorCount} vCPUs needs at least {(needed + 0xF_FFFF) >> 20} MiB of memory.");
        }

        return new Emitter(context, rounds, passes, minObserved, window).Emit();
    }

    private sealed class Emitter
    {
        private readonly long _rounds;
        private readonly long _passes;
        private readonly long _minObserved;
        private readonly long _window;
        private readonly List<FlushVariant> _variants;
        private readonly GuestCodeBuilder _g = new();
        private readonly ulong _all;
        private readonly FlushInputEmitter _inputs;
        private Label _recompute;

        public Emitter(GuestBuildContext context, long rounds, long passes, long minObserved, long window)
        {
            _rounds = rounds;
            _passes = passes;
            _minObserved = minObserved;
            _window = window;
            _variants = FlushVariant.For(context.HyperV, context.VpIndices);
            int n = context.ProcessorCount;
            _all = n >= 64 ? ~0UL : (1UL << n) - 1;
            _inputs = new FlushInputEmitter(_g, _variants, context.VpIndices, ~0UL, rbp);
            _recompute = A.CreateLabel("recompute");
        }

        private Assembler A => _g.Asm;

        public GuestImage Emit()
        {
            Label entry = A.CreateLabel("entry");
            A.Label(ref entry);
            A.mov(r12, rsi);                            // vCPU count
            A.mov(r13, rdi);                            // vCPU index
            EmitSetUp();
            EmitRecompute();
            _g.UserEscapeGate(HypercallPage, EmitReport);
            _inputs.EmitVpTable();
            return _g.Build(entry);
        }

        private void EmitSetUp()
        {
            Label ptLoop = A.CreateLabel("pt_loop");
            Label notFirst = A.CreateLabel("not_first");
            Label user = A.CreateLabel("user");

            // CPL0, once: our chain (PML4 slot 0 = the environment's identity PDPT, slot 1 = our PDPT → PD → PT;
            // PT[k] = sender k's marker page 0) and our three marker pages ((j + 1) << 8 | page, never 0); then
            // our CR3. vCPU 0 also enables the (partition-wide) hypercall page before anyone can call it.
            PrivateChain.EmitBuild(A, Tables);
            A.mov(rax, Tables + MarkerOffset + LeafFlags);
            A.xor(ecx, ecx);
            A.Label(ref ptLoop);
            A.mov(__qword_ptr[rbx + rcx * 8 + PtOffset], rax);
            A.add(rax, TableStride);
            A.inc(rcx);
            A.cmp(rcx, r12);
            A.jb(ptLoop);
            A.lea(rax, __[r13 + 1]);
            A.shl(rax, 8);
            A.mov(__qword_ptr[rbx + MarkerOffset], rax);
            A.inc(rax);
            A.mov(__qword_ptr[rbx + MarkerOffset + 0x1000], rax);
            A.inc(rax);
            A.mov(__qword_ptr[rbx + MarkerOffset + 0x2000], rax);
            A.mov(cr3, rbx);
            A.imul(rdi, r13, BlockStride);              // our counters, expectations and input start at zero
            A.mov(rax, Blocks);
            A.add(rdi, rax);
            A.xor(eax, eax);
            A.mov(ecx, BlockStride / 8);
            A.rep.stosq();
            A.test(r13, r13);
            A.jnz(notFirst);
            _g.EnableHypercallPage(HypercallPage, HvProbeGuest.GuestOsId);
            A.Label(ref notFirst);
            _g.EnterUserMode(user);

            A.Label(ref user);
            EmitStorm();
        }

        private void EmitStorm()
        {
            Label init = A.CreateLabel("init");
            Label waitReady = A.CreateLabel("wait_ready");
            Label main = A.CreateLabel("main");
            Label pass = A.CreateLabel("pass");
            Label readLoop = A.CreateLabel("read_loop");
            Label classify = A.CreateLabel("classify");
            Label garbage = A.CreateLabel("garbage");
            Label first = A.CreateLabel("first");
            Label readNext = A.CreateLabel("read_next");
            Label changed = A.CreateLabel("changed");
            Label paceLoop = A.CreateLabel("pace_loop");
            Label paceNext = A.CreateLabel("pace_next");
            Label finishing = A.CreateLabel("finishing");
            Label finishCheck = A.CreateLabel("finish_check");
            Label final = A.CreateLabel("final");
            Label reporter = A.CreateLabel("reporter");
            Label waitAll = A.CreateLabel("wait_all");
            Label spinDone = A.CreateLabel("spin_done");

            // CPL3 from here on. RSI = our block, R12 = N, R13 = j, R14 = rounds sent (= our epoch).
            A.imul(rsi, r13, BlockStride);
            A.mov(rax, Blocks);
            A.add(rsi, rax);
            A.xor(r10d, r10d);
            A.lea(r8, __[rsi + Entries]);
            A.Label(ref init);
            A.xor(eax, eax);
            A.call(_recompute);                         // every sender starts in epoch 0, page 0
            A.inc(r10);
            A.add(r8, EntryStride);
            A.cmp(r10, r12);
            A.jb(init);
            A.mov(rax, r13);                            // first variant: j mod count, so the calls differ at once
            A.xor(edx, edx);
            A.mov(ecx, _variants.Count);
            A.div(rcx);
            A.mov(__qword_ptr[rsi + BVariant], rdx);
            A.mov(rdx, Control);
            A.@lock.inc(__qword_ptr[rdx]);
            A.Label(ref waitReady);
            A.pause();
            A.cmp(__qword_ptr[rdx], r12);
            A.jb(waitReady);
            A.xor(r14d, r14d);

            // Read passes. For each k != j: e1 = epoch_k; v = [X_k]; e2 = epoch_k. With e1 == e2 == e the read
            // happened within epoch e (x86 loads are not reordered with other loads, SDM Vol. 3A §9.2.2).
            A.Label(ref main);
            A.mov(ebp, (uint)_passes);
            A.Label(ref pass);
            A.xor(r10d, r10d);
            A.mov(rdi, Epochs);
            A.mov(rbx, TestAddress);
            A.lea(r8, __[rsi + Entries]);
            A.Label(ref readLoop);
            A.cmp(r10, r13);
            A.je(readNext);
            A.mov(rax, __qword_ptr[rdi]);
            A.mov(rcx, __qword_ptr[rbx]);
            A.mov(rdx, __qword_ptr[rdi]);
            A.cmp(rax, rdx);
            A.jne(readNext);
            A.inc(__qword_ptr[rsi + BSamples]);
            A.cmp(rax, __qword_ptr[r8 + ELast]);
            A.jne(changed);
            A.Label(ref classify);
            A.cmp(rcx, __qword_ptr[r8 + ECur]);
            A.je(readNext);
            A.cmp(rcx, __qword_ptr[r8 + ENext]);
            A.je(readNext);
            A.cmp(rcx, __qword_ptr[r8 + EStale]);
            A.jne(garbage);
            A.inc(__qword_ptr[rsi + BStale]);
            A.jmp(first);
            A.Label(ref garbage);
            A.inc(__qword_ptr[rsi + BGarbage]);
            A.Label(ref first);
            A.cmp(__qword_ptr[rsi + BHaveFirst], 0);
            A.jne(readNext);
            A.mov(__qword_ptr[rsi + BFirstRound], r14);
            A.mov(__qword_ptr[rsi + BFirstSender], r10);
            A.mov(__qword_ptr[rsi + BFirstValue], rcx);
            A.mov(rax, __qword_ptr[r8 + ELast]);
            A.mov(__qword_ptr[rsi + BFirstEpoch], rax);
            A.mov(__qword_ptr[rsi + BHaveFirst], 1);
            A.Label(ref readNext);
            A.inc(r10);
            A.add(rdi, 64);
            A.add(rbx, 0x1000);
            A.add(r8, EntryStride);
            A.cmp(r10, r12);
            A.jb(readLoop);
            A.dec(ebp);
            A.jnz(pass);

            // Send, unless done or a call failed, or more than `window` rounds ahead of the slowest other sender:
            // then read another batch instead. This keeps every vCPU flushing through the whole run (on 2 host
            // CPUs some vCPUs otherwise finish long before others and only read), without any per-round handshake.
            A.cmp(__qword_ptr[rsi + BFailed], 0);
            A.jne(finishing);
            A.mov(rax, _rounds);
            A.cmp(r14, rax);
            A.jae(finishing);
            A.xor(ecx, ecx);
            A.mov(rdi, Epochs);
            A.mov(rdx, -1L);
            A.Label(ref paceLoop);
            A.cmp(rcx, r13);
            A.je(paceNext);
            A.mov(rax, __qword_ptr[rdi + ProgressOffset]);
            A.cmp(rax, rdx);
            A.cmovb(rdx, rax);
            A.Label(ref paceNext);
            A.inc(rcx);
            A.add(rdi, 64);
            A.cmp(rcx, r12);
            A.jb(paceLoop);
            A.mov(rax, _window);
            A.add(rdx, rax);
            A.cmp(r14, rdx);
            A.jae(main);
            EmitSendRound(main, finishing);

            // Done sending: count ourselves once, keep reading until everyone is, then one more batch of passes.
            A.Label(ref finishing);
            A.cmp(__qword_ptr[rsi + BPhase], 0);
            A.jne(finishCheck);
            A.mov(__qword_ptr[rsi + BPhase], 1);
            A.mov(rdx, Finished);
            A.@lock.inc(__qword_ptr[rdx]);
            A.jmp(main);
            A.Label(ref finishCheck);
            A.mov(rdx, Finished);
            A.cmp(__qword_ptr[rdx], r12);
            A.jb(main);
            A.cmp(__qword_ptr[rsi + BPhase], 2);
            A.jae(final);
            A.mov(__qword_ptr[rsi + BPhase], 2);
            A.jmp(main);
            A.Label(ref final);
            A.mov(__qword_ptr[rsi + BDone], 1);
            A.test(r13, r13);
            A.jz(reporter);
            A.mov(ebp, GuestCodeBuilder.EscapePark);
            A.ud2();

            // vCPU 0: wait until every vCPU has stored its counts, then report from CPL0.
            A.Label(ref reporter);
            A.xor(ecx, ecx);
            A.Label(ref waitAll);
            A.imul(rdi, rcx, BlockStride);
            A.mov(rax, Blocks);
            A.add(rdi, rax);
            A.Label(ref spinDone);
            A.pause();
            A.cmp(__qword_ptr[rdi + BDone], 0);
            A.je(spinDone);
            A.inc(rcx);
            A.cmp(rcx, r12);
            A.jb(waitAll);
            A.mov(ebp, GuestCodeBuilder.EscapeReport);
            A.ud2();

            // A new epoch of sender k: count it and compute its markers, then classify the read.
            A.Label(ref changed);
            A.inc(__qword_ptr[r8 + EObserved]);
            A.call(_recompute);
            A.jmp(classify);
        }

        private void EmitSendRound(Label next, Label failed)
        {
            Label pteLoop = A.CreateLabel("pte_loop");
            Label pteNext = A.CreateLabel("pte_next");
            Label call = A.CreateLabel("call");
            Label hcFailed = A.CreateLabel("hc_failed");
            Label keepVariant = A.CreateLabel("keep_variant");

            // The new PTE of X_j: our marker page (e + 1) mod 3. Stored into PT_t[j] of every t != j with native
            // CPL3 stores, no INVLPG and no CR3 reload: only the flush hypercall may make the targets see it.
            A.lea(rax, __[r14 + 1]);
            A.xor(edx, edx);
            A.mov(ecx, 3);
            A.div(rcx);
            A.shl(rdx, 12);
            A.imul(rax, r13, TableStride);
            A.add(rax, rdx);
            A.mov(rdx, Tables + MarkerOffset + LeafFlags);
            A.add(rax, rdx);
            A.mov(rdi, Tables + PtOffset);
            A.lea(rdi, __[rdi + r13 * 8]);
            A.xor(ecx, ecx);
            A.Label(ref pteLoop);
            A.cmp(rcx, r13);
            A.je(pteNext);
            A.mov(__qword_ptr[rdi], rax);
            A.Label(ref pteNext);
            A.add(rdi, TableStride);
            A.inc(rcx);
            A.cmp(rcx, r12);
            A.jb(pteLoop);

            // One flush hypercall naming every other vCPU, all address spaces (each target has its own CR3);
            // RBP = X_j for the list calls. Up to CPL0 through #UD; back after the UD2 with the result in RAX.
            A.mov(r15, _all);
            A.btr(r15, r13);
            A.xor(r10d, r10d);
            A.mov(r11d, (uint)HvFlushFlags.AllVirtualAddressSpaces);
            A.mov(rbp, r13);
            A.shl(rbp, 12);
            A.mov(rax, TestAddress);
            A.add(rbp, rax);
            A.lea(rdi, __[rsi + InputOffset]);
            A.mov(rax, __qword_ptr[rsi + BVariant]);
            _inputs.EmitDispatch(call);
            A.Label(ref call);
            _inputs.EmitCallRegisters();
            A.mov(ebp, GuestCodeBuilder.EscapeHypercall);
            A.ud2();
            A.lea(rsi, __[rdi - InputOffset]);
            A.cmp(rax, r9);
            A.jne(hcFailed);

            // Publish epoch e + 1 only now that the call has returned: a target that reads it must not see page e - 1.
            A.inc(r14);
            A.mov(rdx, Epochs);
            A.mov(rcx, r13);
            A.shl(rcx, 6);
            A.mov(__qword_ptr[rdx + rcx], r14);
            A.mov(__qword_ptr[rdx + rcx + ProgressOffset], r14);
            A.mov(__qword_ptr[rsi + BRoundsSent], r14);
            A.mov(rax, __qword_ptr[rsi + BVariant]);
            A.inc(rax);
            A.cmp(rax, _variants.Count);
            A.jb(keepVariant);
            A.xor(eax, eax);
            A.Label(ref keepVariant);
            A.mov(__qword_ptr[rsi + BVariant], rax);
            A.jmp(next);

            A.Label(ref hcFailed);
            A.mov(__qword_ptr[rsi + BFailResult], rax);
            A.mov(__qword_ptr[rsi + BFailRound], r14);
            A.mov(rax, __qword_ptr[rsi + BVariant]);
            A.mov(__qword_ptr[rsi + BFailVariant], rax);
            A.mov(__qword_ptr[rsi + BFailed], 1);
            A.mov(rdx, Epochs);                         // a vCPU that stopped sending paces nobody
            A.mov(rcx, r13);
            A.shl(rcx, 6);
            A.mov(rax, long.MaxValue / 2);
            A.mov(__qword_ptr[rdx + rcx + ProgressOffset], rax);
            A.jmp(failed);
        }

        private void EmitRecompute()
        {
            // recompute: RAX = epoch e of sender R10, R8 = its entry. Stores e and the markers of pages e mod 3
            // (current), (e + 1) mod 3 (next) and (e + 2) mod 3 (stale). Clobbers RAX, RDX, R9.
            A.Label(ref _recompute);
            A.mov(__qword_ptr[r8 + ELast], rax);
            A.xor(edx, edx);
            A.mov(r9d, 3);
            A.div(r9);
            A.lea(rax, __[r10 + 1]);
            A.shl(rax, 8);
            PrivateChain.EmitEpochMarkers(A, rax, _ => r9, i => A.mov(__qword_ptr[r8 + (ECur + (8 * i))], r9));
            A.ret();
        }

        private void EmitReport()
        {
            Label loop = A.CreateLabel("rep_loop");
            Label minLoop = A.CreateLabel("min_loop");
            Label minNext = A.CreateLabel("min_next");
            Label notFewest = A.CreateLabel("not_fewest");
            Label noFirst = A.CreateLabel("no_first");
            Label noFail = A.CreateLabel("no_fail");
            Label failed = A.CreateLabel("failed");

            // CPL0 on vCPU 0. R13 samples, R15 stale, RDI unknown values + failed calls, R14 the fewest epoch
            // changes any vCPU saw of any sender; R10 = vCPU t, R11 = its block.
            A.xor(r13d, r13d);
            A.xor(r15d, r15d);
            A.xor(edi, edi);
            A.mov(r14, -1L);
            A.xor(r10d, r10d);
            A.Label(ref loop);
            A.imul(r11, r10, BlockStride);
            A.mov(rax, Blocks);
            A.add(r11, rax);
            A.add(r13, __qword_ptr[r11 + BSamples]);
            A.add(r15, __qword_ptr[r11 + BStale]);
            A.add(rdi, __qword_ptr[r11 + BGarbage]);
            A.add(rdi, __qword_ptr[r11 + BFailed]);

            // RSI = the fewest epoch changes t saw of one sender, RBP = that sender.
            A.mov(rsi, -1L);
            A.xor(ebp, ebp);
            A.xor(ecx, ecx);
            A.lea(rdx, __[r11 + Entries]);
            A.Label(ref minLoop);
            A.cmp(rcx, r10);
            A.je(minNext);
            A.mov(rax, __qword_ptr[rdx + EObserved]);
            A.cmp(rax, rsi);
            A.jae(minNext);
            A.mov(rsi, rax);
            A.mov(rbp, rcx);
            A.Label(ref minNext);
            A.inc(rcx);
            A.add(rdx, EntryStride);
            A.cmp(rcx, r12);
            A.jb(minLoop);
            A.cmp(rsi, r14);
            A.jae(notFewest);
            A.mov(r14, rsi);
            A.Label(ref notFewest);

            PrintPrefix();
            PrintField(BRoundsSent, " rounds sent, ");
            PrintField(BSamples, " samples, ");
            PrintField(BStale, " stale reads, ");
            PrintField(BGarbage, " reads of no marker; fewest epoch changes seen of one sender: ");
            A.mov(rax, rsi);
            _g.PrintRaxDecimal();
            _g.Print(_g.String(" (vCPU "));
            A.mov(rax, rbp);
            _g.PrintRaxDecimal();
            _g.Print(_g.String(")\n"));

            // The first bad read: its sender's epoch and the value against the two valid markers.
            A.cmp(__qword_ptr[r11 + BHaveFirst], 0);
            A.je(noFirst);
            PrintPrefix();
            _g.Print(_g.String("first bad read in its round "));
            A.mov(rax, __qword_ptr[r11 + BFirstRound]);
            _g.PrintRaxDecimal();
            _g.Print(_g.String(": address of sender "));
            A.mov(rax, __qword_ptr[r11 + BFirstSender]);
            _g.PrintRaxDecimal();
            _g.Print(_g.String(" in its epoch "));
            A.mov(rax, __qword_ptr[r11 + BFirstEpoch]);
            _g.PrintRaxDecimal();
            _g.Print(_g.String(" read marker "));
            A.mov(rax, __qword_ptr[r11 + BFirstValue]);
            _g.PrintRaxDecimal();
            _g.Print(_g.String(" (markers are (sender + 1) * 256 + page; valid pages: epoch mod 3 and the next)\n"));
            A.Label(ref noFirst);

            A.cmp(__qword_ptr[r11 + BFailed], 0);
            A.je(noFail);
            PrintPrefix();
            _inputs.EmitPrintFailure(__qword_ptr[r11 + BFailVariant], __qword_ptr[r11 + BFailRound], __qword_ptr[r11 + BFailResult]);
            A.Label(ref noFail);

            A.inc(r10);
            A.cmp(r10, r12);
            A.jb(loop);

            // Summary and verdict.
            string names = string.Join(", ", _variants.Select(v => v.Name));
            _g.Print(_g.String("tlbstorm: "));
            A.mov(rax, r12);
            _g.PrintRaxDecimal();
            _g.Print(_g.String($" vCPUs x {_rounds} rounds (variants: {names}), "));
            A.mov(rax, r15);
            _g.PrintRaxDecimal();
            _g.Print(_g.String(" stale reads in "));
            A.mov(rax, r13);
            _g.PrintRaxDecimal();
            _g.Print(_g.String(" samples, fewest epoch changes one vCPU saw of one sender: "));
            A.mov(rax, r14);
            _g.PrintRaxDecimal();
            _g.Print(_g.String($" (at least {_minObserved} needed)\n"));
            A.test(r15, r15);
            A.jnz(failed);
            A.test(rdi, rdi);
            A.jnz(failed);
            A.mov(rax, _minObserved);
            A.cmp(r14, rax);
            A.jb(failed);
            _g.Print(_g.String("tlbstorm: PASSED\n"));
            _g.Exit(0);
            A.Label(ref failed);
            _g.Print(_g.String("tlbstorm: FAILED\n"));
            _g.Exit(1);
        }

        private void PrintPrefix()
        {
            // "tlbstorm: vCPU t: " with t in R10. Print clobbers RAX, RBX, RCX, RDX, R9.
            _g.Print(_g.String("tlbstorm: vCPU "));
            A.mov(rax, r10);
            _g.PrintRaxDecimal();
            _g.Print(_g.String(": "));
        }

        private void PrintField(int field, string text)
        {
            A.mov(rax, __qword_ptr[r11 + field]);
            _g.PrintRaxDecimal();
            _g.Print(_g.String(text));
        }
    }
}

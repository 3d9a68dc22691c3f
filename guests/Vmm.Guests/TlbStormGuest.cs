using Vmm.Core.Boot.X86;

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
/// <remarks>
/// A C test kernel (guests/c/tlbstorm/tlbstorm.c on guests/c/lib/flush.c, docs/guests-in-c.md) with its own TLFS
/// definitions; this class checks the arguments, fills in defaults and names the forms.
/// </remarks>
public sealed class TlbStormGuest : IBuiltInGuest
{
    /// <summary>Default number of send rounds per vCPU.</summary>
    public const long DefaultRounds = 10_000;

    /// <summary>Default number of read passes between two send rounds.</summary>
    public const long DefaultPasses = 16;

    /// <summary>Default pacing window: the most rounds a vCPU sends ahead of the slowest other vCPU.</summary>
    public const long DefaultWindow = 16;

    /// <summary>The first test address (PML4 slot 1, clear of the identity map in slot 0); X_j is 4 KiB * j above it.</summary>
    public const ulong TestAddress = TlbCoherenceGuest.TestAddress;

    /// <summary>Most vCPUs the guest handles (target sets are 64-bit masks of vCPU indices).</summary>
    public const int MaxProcessors = FlushGuestChecks.MaxProcessors;

    /// <summary>Bytes of one vCPU's block after the chains: counts, expectations, hypercall input (struct block in tlbstorm.c).</summary>
    private const ulong BlockBytes = 3 * 0x1000;

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
        return FlushVariant.Names(context.HyperV, context.VpIndices);
    }

    /// <summary>
    /// The default for `min-observed`. In the worst schedule, vCPUs taking turns and each running `window` rounds
    /// ahead of the others, a vCPU sees a sender's epoch move only about rounds / (2 * window) times (each jump up to
    /// 2 * window epochs); half of that leaves room for noise. Runs with vCPUs truly in parallel see far more (8 vCPUs
    /// on 2 host CPUs: 30-46 % of all epochs).
    /// </summary>
    public static long DefaultMinObserved(long rounds, long window) => Math.Max(1, rounds / (4 * window));

    /// <summary>Guest memory the storm needs with <paramref name="processors"/> vCPUs: its image, tables, blocks and the stacks.</summary>
    public static ulong MemoryNeeded(int processors) =>
        CGuestImage.End("tlbstorm") + ((ulong)processors * (TlbCoherenceGuest.ChainBytes + BlockBytes + LongModeLayout.StackBlockSize));

    /// <inheritdoc />
    public GuestImage Build(GuestBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        long rounds = context.GetInt64("rounds", DefaultRounds, 1, 1_000_000);
        long passes = context.GetInt64("passes", DefaultPasses, 1, 1_000_000);
        long window = context.GetInt64("window", DefaultWindow, 1, 1_000_000);
        long minObserved = context.GetInt64("min-observed", DefaultMinObserved(rounds, window), 0, rounds);
        FlushGuestChecks.Check(context, Name, "every vCPU flushes the others", MemoryNeeded);
        var arguments = FlushGuestChecks.Arguments(("rounds", rounds), ("passes", passes), ("window", window), ("min-observed", minObserved));
        return CGuestImage.Build(Name, context, arguments);
    }
}

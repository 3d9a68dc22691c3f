using Vmm.Core.Boot.X86;

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
/// the XMM-fast form of each call.
/// </summary>
/// <remarks>
/// A C test kernel (guests/c/tlbcoherence/tlbcoherence.c on guests/c/lib/flush.c, docs/guests-in-c.md) with its own
/// TLFS definitions; this class checks the arguments, fills in defaults and names the forms.
/// </remarks>
public sealed class TlbCoherenceGuest : IBuiltInGuest
{
    /// <summary>Default number of rounds.</summary>
    public const long DefaultRounds = 10_000;

    /// <summary>The test address: PML4 slot 1, clear of the identity map in slot 0 (FLUSH_TEST_ADDRESS in guests/c/lib/flush.h).</summary>
    public const ulong TestAddress = 0x80_0000_0000;

    /// <summary>Most vCPUs the guest handles (target sets are 64-bit masks of vCPU indices).</summary>
    public const int MaxProcessors = FlushGuestChecks.MaxProcessors;

    /// <summary>Bytes of one vCPU's page-table chain after the image (struct chain in guests/c/lib/flush.h).</summary>
    internal const ulong ChainBytes = 7 * 0x1000;

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
        return FlushVariant.Names(context.HyperV, context.VpIndices);
    }

    /// <summary>Guest memory the guest needs with <paramref name="processors"/> vCPUs: its image, page tables and the stacks.</summary>
    public static ulong MemoryNeeded(int processors) =>
        CGuestImage.End("tlbcoherence") + ((ulong)processors * (ChainBytes + LongModeLayout.StackBlockSize));

    /// <inheritdoc />
    public GuestImage Build(GuestBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        long rounds = context.GetInt64("rounds", DefaultRounds, 1, int.MaxValue);
        long seed = context.GetInt64("seed", 1, 0, long.MaxValue);
        long omit = context.GetInt64("omit", 0, 1, MaxProcessors - 1);
        FlushGuestChecks.Check(context, Name, "vCPU 0 flushes, the others are flushed", MemoryNeeded);
        var arguments = FlushGuestChecks.Arguments(("rounds", rounds), ("seed", seed), ("omit", omit));
        return CGuestImage.Build(Name, context, arguments);
    }
}

using System.Globalization;
using Vmm.HyperV.Cpuid;

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
/// A C test kernel (guests/c/hvipi/hvipi.c, docs/guests-in-c.md); this class checks the arguments and names the forms.
/// The forms with HV_GENERIC_SET_ALL name every VP, the sender included (TLFS HvCallSendSyntheticClusterIpiEx; Linux
/// only uses SET_ALL when the sender is in the mask): the sender waits with IF = 1 and counts its own interrupt too.
/// CPL0 code is emulated instruction by instruction on this host (docs/kvm-host.md#pvm-hosts), so all the sender's
/// work but the call itself runs at CPL3, reaching CPL0 through the library's #UD escape.
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

        var arguments = new Dictionary<string, string>
        {
            ["rounds"] = rounds.ToString(CultureInfo.InvariantCulture),
            ["skipvp"] = skip.ToString(CultureInfo.InvariantCulture),
            ["wait"] = wait.ToString(CultureInfo.InvariantCulture),
        };
        return CGuestImage.Build(Name, context, arguments);
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
}

using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Cpuid;

/// <summary>
/// What the VMM advertises to the guest as Hyper-V: the one source of truth for the CPUID leaves
/// (<see cref="HvCpuidLeaves"/>) and for the access checks of the MSR and hypercall code built on top.
/// </summary>
/// <remarks>
/// <para>
/// A profile is written as a comma-separated list of items, applied left to right:
/// </para>
/// <code>
/// spec    := item ( "," item )*
/// item    := profile | [ "+" ] feature [ "=" number ] | "-" feature
/// profile := "linux" | "windows" | "none"          (only as the first item)
/// feature := "hypercall" | "vpindex" | "time" | "frequencies" | "tlbflush" | "tlbflush-ex" | "ipi"
///          | "relaxed" | "spinlocks" | "vpassist" | "reset" | "idle" | "xmm" | "extended-ranges"
/// number  := decimal | "0x" hex                     (only for "spinlocks": the retry count, 1..0xFFFFFFFF)
/// </code>
/// <para>
/// Names are case-insensitive and blanks around items are ignored. The list starts empty; a profile name first
/// loads that profile; <c>feature</c> or <c>+feature</c> turns a feature on, <c>-feature</c> turns it off (the
/// last mention wins). Examples: <c>linux</c>, <c>linux,+ipi,-spinlocks</c>, <c>none</c>,
/// <c>vpindex,tlbflush,relaxed</c>, <c>windows,spinlocks=0xfff</c>.
/// </para>
/// <para>
/// Dependencies. Features that guests use through hypercalls (<c>tlbflush</c>, <c>tlbflush-ex</c>, <c>ipi</c>,
/// <c>spinlocks</c>) turn <c>hypercall</c> on by themselves, unless the spec says <c>-hypercall</c>, which is
/// then an error. Everything else must be asked for: <c>tlbflush</c> and <c>ipi</c> need <c>vpindex</c> (the
/// processor masks are VP indices), <c>tlbflush-ex</c> needs <c>tlbflush</c>. A spec that breaks a dependency
/// is rejected with a message naming the feature, the missing dependency and the fix.
/// </para>
/// <para>
/// Named profiles. <c>linux</c> is the minimal set (docs/hyperv.md#minimal-linux-profile) that makes Linux take the PV remote-flush
/// path: hypercall, vpindex, tlbflush, spinlocks. <c>windows</c> adds relaxed (watchdogs) and tlbflush-ex
/// (required for more than 64 VPs, docs/hyperv.md#many-vps). <c>none</c> advertises nothing. Time sources, frequency
/// MSRs, cluster IPIs and the VP assist page stay opt-in (<c>+time</c>, ...) because each needs a working
/// implementation behind it (docs/hyperv.md#linux-boot, #linux-detection).
/// </para>
/// </remarks>
public sealed class HyperVFeatureProfile : IEquatable<HyperVFeatureProfile>
{
    private const HyperVFeature NeedsHypercall =
        HyperVFeature.TlbFlush | HyperVFeature.TlbFlushEx | HyperVFeature.Ipi | HyperVFeature.Spinlocks | HyperVFeature.XmmInput;

    private static readonly FeatureInfo[] s_features =
    [
        new("hypercall", HyperVFeature.Hypercall, HyperVFeature.None, "GUEST_OS_ID and HYPERCALL MSRs, hypercall page"),
        new("vpindex", HyperVFeature.VpIndex, HyperVFeature.None, "VP_INDEX MSR"),
        new("time", HyperVFeature.Time, HyperVFeature.None, "TIME_REF_COUNT MSR and reference TSC page"),
        new("frequencies", HyperVFeature.Frequencies, HyperVFeature.None, "TSC and APIC frequency MSRs"),
        new("tlbflush", HyperVFeature.TlbFlush, HyperVFeature.VpIndex, "recommend the remote TLB flush hypercalls"),
        new("tlbflush-ex", HyperVFeature.TlbFlushEx, HyperVFeature.TlbFlush, "recommend the Ex (VP set) hypercalls, needed above 64 VPs"),
        new("ipi", HyperVFeature.Ipi, HyperVFeature.VpIndex, "recommend the synthetic cluster IPI hypercall"),
        new("relaxed", HyperVFeature.Relaxed, HyperVFeature.None, "recommend relaxed timing (no watchdogs)"),
        new("spinlocks", HyperVFeature.Spinlocks, HyperVFeature.None, "spinlock retry count (=N, default 0xFFFFFFFF: never notify)"),
        new("vpassist", HyperVFeature.VpAssist, HyperVFeature.None, "VP assist page and APIC EOI/ICR/TPR MSRs"),
        new("reset", HyperVFeature.Reset, HyperVFeature.None, "RESET MSR"),
        new("idle", HyperVFeature.Idle, HyperVFeature.None, "GUEST_IDLE MSR"),
        new("xmm", HyperVFeature.XmmInput, HyperVFeature.None, "fast hypercall input in XMM registers (the fast flush forms)"),
        new("extended-ranges", HyperVFeature.ExtendedGvaRanges, HyperVFeature.TlbFlush, "extended GVA range format for the flush List calls"),
    ];

    private HyperVFeatureProfile(HyperVFeature features, uint spinlockRetries)
    {
        Features = features;
        SpinlockRetries = spinlockRetries;
    }

    /// <summary><c>none</c>: no enlightenment; every hypervisor leaf reads as zero.</summary>
    public static HyperVFeatureProfile None { get; } = new(HyperVFeature.None, HvCpuidLeaf.SpinlockRetriesNeverNotify);

    /// <summary><c>linux</c>: hypercall, vpindex, tlbflush, spinlocks (docs/hyperv.md#minimal-linux-profile).</summary>
    public static HyperVFeatureProfile Linux { get; } = new(
        HyperVFeature.Hypercall | HyperVFeature.VpIndex | HyperVFeature.TlbFlush | HyperVFeature.Spinlocks,
        HvCpuidLeaf.SpinlockRetriesNeverNotify);

    /// <summary>
    /// <c>windows</c>: <see cref="Linux"/> plus relaxed, tlbflush-ex and xmm (docs/hyperv.md#many-vps, #qemu-flags): Hyper-V offers
    /// XMM fast input to Windows guests, which use it for the flush calls when it is there.
    /// </summary>
    public static HyperVFeatureProfile Windows { get; } = new(
        Linux.Features | HyperVFeature.Relaxed | HyperVFeature.TlbFlushEx | HyperVFeature.XmmInput,
        HvCpuidLeaf.SpinlockRetriesNeverNotify);

    /// <summary>The feature names of the grammar, in canonical order.</summary>
    public static IReadOnlyList<string> FeatureNames { get; } = Array.ConvertAll(s_features, f => f.Name);

    /// <summary>The profile names of the grammar.</summary>
    public static IReadOnlyList<string> ProfileNames { get; } = ["linux", "windows", "none"];

    /// <summary>The features switched on (dependencies already resolved).</summary>
    public HyperVFeature Features { get; }

    /// <summary>The spinlock retry count reported when <see cref="HyperVFeature.Spinlocks"/> is on.</summary>
    public uint SpinlockRetries { get; }

    /// <summary>True when at least one enlightenment is on, i.e. the guest sees a Hyper-V interface.</summary>
    public bool IsEnabled => Features != HyperVFeature.None;

    /// <summary>HV_PARTITION_PRIVILEGE_MASK for CPUID 0x40000003 EAX:EBX (docs/hyperv.md#privileges).</summary>
    public HvPartitionPrivileges Privileges =>
        default(HvPartitionPrivileges)
            .WithAccessHypercallMsrs(Has(HyperVFeature.Hypercall))
            .WithAccessVpIndex(Has(HyperVFeature.VpIndex))
            .WithAccessPartitionReferenceCounter(Has(HyperVFeature.Time))
            .WithAccessPartitionReferenceTsc(Has(HyperVFeature.Time))
            .WithAccessFrequencyRegs(Has(HyperVFeature.Frequencies))
            .WithAccessIntrCtrlRegs(Has(HyperVFeature.VpAssist))
            .WithAccessResetReg(Has(HyperVFeature.Reset))
            .WithAccessGuestIdleReg(Has(HyperVFeature.Idle));

    /// <summary>Feature flags for CPUID 0x40000003.EDX (docs/hyperv.md#features; Linux needs bit 8 for the frequency MSRs, #linux-detection).</summary>
    public HvFeatures FeatureFlags =>
        default(HvFeatures)
            .WithFrequencyRegsAvailable(Has(HyperVFeature.Frequencies))
            .WithXmmRegistersForFastHypercallAvailable(Has(HyperVFeature.XmmInput))
            .WithExtendedGvaRangesForFlushVirtualAddressListAvailable(Has(HyperVFeature.ExtendedGvaRanges));

    /// <summary>Recommendations for CPUID 0x40000004.EAX (docs/hyperv.md#recommendations).</summary>
    public HvRecommendations Recommendations =>
        default(HvRecommendations)
            .WithUseHypercallForRemoteFlush(Has(HyperVFeature.TlbFlush))
            .WithUseExProcessorMasks(Has(HyperVFeature.TlbFlushEx))
            .WithUseSyntheticClusterIpi(Has(HyperVFeature.Ipi))
            .WithUseRelaxedTiming(Has(HyperVFeature.Relaxed));

    /// <summary>
    /// CPUID 0x40000004.EBX: <see cref="SpinlockRetries"/> when spinlocks is on, zero otherwise (the field is not
    /// reported; REQ reads zero as "disabled", docs/hyperv.md#recommendations).
    /// </summary>
    public uint SpinlockRetryCount => Has(HyperVFeature.Spinlocks) ? SpinlockRetries : 0;

    /// <summary>True when every feature in <paramref name="feature"/> is on.</summary>
    public bool Has(HyperVFeature feature) => (Features & feature) == feature;

    /// <summary>One-line description of a single feature, for help text.</summary>
    public static string Describe(HyperVFeature feature)
    {
        foreach (FeatureInfo info in s_features)
        {
            if (info.Feature == feature)
            {
                return info.Description;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(feature), feature, "Not a single Hyper-V feature.");
    }

    /// <summary>
    /// Builds a profile from <paramref name="features"/>, adding <c>hypercall</c> where a feature needs it and
    /// checking the other dependencies.
    /// </summary>
    /// <exception cref="ArgumentException">A dependency is missing, or the retry count is zero.</exception>
    public static HyperVFeatureProfile Create(HyperVFeature features, uint spinlockRetries = HvCpuidLeaf.SpinlockRetriesNeverNotify)
    {
        if ((features & ~AllFeatures) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(features), features, "Unknown Hyper-V feature bits.");
        }

        if (spinlockRetries == 0)
        {
            throw new ArgumentException(SpinlocksZeroMessage, nameof(spinlockRetries));
        }

        return Resolve(features, HyperVFeature.None, spinlockRetries, out HyperVFeatureProfile? profile, out string? error)
            ? profile
            : throw new ArgumentException(error, nameof(features));
    }

    /// <summary>Parses a profile spec (grammar in the type's remarks).</summary>
    /// <exception cref="FormatException">Syntax error, unknown name, or a broken dependency; the message says which.</exception>
    public static HyperVFeatureProfile Parse(string spec) =>
        TryParse(spec, out HyperVFeatureProfile? profile, out string? error) ? profile : throw new FormatException(error);

    /// <summary>Parses a profile spec (grammar in the type's remarks); on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse(
        string? spec,
        [NotNullWhen(true)] out HyperVFeatureProfile? profile,
        [NotNullWhen(false)] out string? error)
    {
        profile = null;
        if (string.IsNullOrWhiteSpace(spec))
        {
            error = $"Empty Hyper-V profile; use 'none' to turn the enlightenments off. {ValidNames()}";
            return false;
        }

        HyperVFeature features = HyperVFeature.None;
        HyperVFeature turnedOff = HyperVFeature.None;
        uint retries = HvCpuidLeaf.SpinlockRetriesNeverNotify;
        string[] items = spec.Split(',');
        for (int i = 0; i < items.Length; i++)
        {
            string item = items[i].Trim();
            if (item.Length == 0)
            {
                error = $"Empty item in Hyper-V profile '{spec}'.";
                return false;
            }

            if (TryGetNamedProfile(item, out HyperVFeatureProfile? named))
            {
                if (i != 0)
                {
                    error = $"Hyper-V profile name '{item}' must be the first item of '{spec}'.";
                    return false;
                }

                features = named.Features;
                retries = named.SpinlockRetries;
                continue;
            }

            if (!TryParseEdit(item, out bool turnOn, out FeatureInfo info, out uint? value, out error))
            {
                return false;
            }

            if (turnOn)
            {
                features |= info.Feature;
                turnedOff &= ~info.Feature;
                retries = value ?? retries;
            }
            else
            {
                features &= ~info.Feature;
                turnedOff |= info.Feature;
            }
        }

        return Resolve(features, turnedOff, retries, out profile, out error);
    }

    /// <summary>
    /// Checks the profile against the partition's VP count: with more than 64 VPs, recommending tlbflush or ipi
    /// without tlbflush-ex leaves VPs 64 and up unreachable by the non-Ex calls (docs/hyperv.md#many-vps, #linux-detection).
    /// </summary>
    public bool TryValidateFor(int vpCount, [NotNullWhen(false)] out string? error)
    {
        const int NonExProcessorMaskBits = 64;
        if (vpCount > NonExProcessorMaskBits
            && (Features & (HyperVFeature.TlbFlush | HyperVFeature.Ipi)) != 0
            && !Has(HyperVFeature.TlbFlushEx))
        {
            error = $"Hyper-V profile '{this}' recommends {(Has(HyperVFeature.TlbFlush) ? "tlbflush" : "ipi")} for {vpCount} VPs "
                + "without tlbflush-ex; VP indices of 64 and above need the Ex hypercalls (add '+tlbflush-ex').";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>The canonical spec: a profile name when it is one, else the feature list (<c>Parse(ToString())</c> round-trips).</summary>
    public override string ToString()
    {
        if (Equals(None))
        {
            return "none";
        }

        if (Equals(Linux))
        {
            return "linux";
        }

        if (Equals(Windows))
        {
            return "windows";
        }

        var text = new StringBuilder();
        foreach (FeatureInfo info in s_features)
        {
            if (!Has(info.Feature))
            {
                continue;
            }

            text.Append(text.Length == 0 ? string.Empty : ",").Append(info.Name);
            if (info.Feature == HyperVFeature.Spinlocks && SpinlockRetries != HvCpuidLeaf.SpinlockRetriesNeverNotify)
            {
                text.Append(CultureInfo.InvariantCulture, $"=0x{SpinlockRetries:X}");
            }
        }

        return text.ToString();
    }

    /// <inheritdoc/>
    public bool Equals(HyperVFeatureProfile? other) =>
        other is not null && Features == other.Features && SpinlockRetryCount == other.SpinlockRetryCount;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as HyperVFeatureProfile);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Features, SpinlockRetryCount);

    private const string SpinlocksZeroMessage =
        "A spinlock retry count of 0 is ambiguous (REQ: disabled; TLFS: notify at once); use '-spinlocks' to turn it off.";

    private static HyperVFeature AllFeatures
    {
        get
        {
            HyperVFeature all = HyperVFeature.None;
            foreach (FeatureInfo info in s_features)
            {
                all |= info.Feature;
            }

            return all;
        }
    }

    private static bool Resolve(
        HyperVFeature features,
        HyperVFeature turnedOff,
        uint retries,
        [NotNullWhen(true)] out HyperVFeatureProfile? profile,
        [NotNullWhen(false)] out string? error)
    {
        profile = null;
        foreach (FeatureInfo info in s_features)
        {
            if ((features & info.Feature) == 0 || (info.Feature & NeedsHypercall) == 0)
            {
                continue;
            }

            if ((turnedOff & HyperVFeature.Hypercall) != 0)
            {
                error = $"Hyper-V feature '{info.Name}' needs 'hypercall', which '-hypercall' turned off.";
                return false;
            }

            features |= HyperVFeature.Hypercall;
        }

        foreach (FeatureInfo info in s_features)
        {
            HyperVFeature missing = (features & info.Feature) != 0 ? info.Requires & ~features : HyperVFeature.None;
            if (missing != HyperVFeature.None)
            {
                string name = NameOf(missing);
                error = (turnedOff & missing) != 0
                    ? $"Hyper-V feature '{info.Name}' needs '{name}', which '-{name}' turned off."
                    : $"Hyper-V feature '{info.Name}' needs '{name}', which is off; add '+{name}' (or start from the 'linux' profile).";
                return false;
            }
        }

        profile = new HyperVFeatureProfile(features, retries);
        error = null;
        return true;
    }

    private static bool TryGetNamedProfile(string name, [NotNullWhen(true)] out HyperVFeatureProfile? profile)
    {
        profile = name.ToLowerInvariant() switch
        {
            "linux" => Linux,
            "windows" => Windows,
            "none" => None,
            _ => null,
        };
        return profile is not null;
    }

    private static bool TryParseEdit(
        string item,
        out bool turnOn,
        out FeatureInfo info,
        out uint? value,
        [NotNullWhen(false)] out string? error)
    {
        turnOn = item[0] != '-';
        string body = item[0] is '+' or '-' ? item[1..].TrimStart() : item;
        value = null;
        info = default;

        int equals = body.IndexOf('=', StringComparison.Ordinal);
        string name = (equals < 0 ? body : body[..equals]).Trim();
        if (!TryGetFeature(name, out info))
        {
            error = $"Unknown Hyper-V feature '{name}' in '{item}'. {ValidNames()}";
            return false;
        }

        if (equals >= 0)
        {
            string text = body[(equals + 1)..].Trim();
            if (info.Feature != HyperVFeature.Spinlocks || !turnOn)
            {
                error = $"Hyper-V item '{item}' takes no value; only 'spinlocks=N' does.";
                return false;
            }

            if (!TryParseNumber(text, out uint number))
            {
                error = $"Invalid spinlock retry count '{text}' in '{item}'; expected a decimal or 0x-prefixed hex number up to 0xFFFFFFFF.";
                return false;
            }

            if (number == 0)
            {
                error = SpinlocksZeroMessage;
                return false;
            }

            value = number;
        }

        error = null;
        return true;
    }

    private static bool TryGetFeature(string name, out FeatureInfo info)
    {
        foreach (FeatureInfo candidate in s_features)
        {
            if (string.Equals(candidate.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                info = candidate;
                return true;
            }
        }

        info = default;
        return false;
    }

    private static bool TryParseNumber(string text, out uint number) =>
        text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? uint.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out number)
            : uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out number);

    private static string NameOf(HyperVFeature features)
    {
        foreach (FeatureInfo info in s_features)
        {
            if ((features & info.Feature) != 0)
            {
                return info.Name;
            }
        }

        return features.ToString();
    }

    private static string ValidNames() =>
        $"Valid features: {string.Join(", ", FeatureNames)} (spinlocks also as spinlocks=N); "
        + $"profiles (first item only): {string.Join(", ", ProfileNames)}.";

    private readonly record struct FeatureInfo(string Name, HyperVFeature Feature, HyperVFeature Requires, string Description);
}

using System.Diagnostics.CodeAnalysis;
using Vmm.HyperV.Cpuid;

namespace Vmm.Host.Cli;

/// <summary>
/// What `vmm run --hv SPEC` accepts on top of the profile grammar of <see cref="HyperVFeatureProfile"/>: an edit
/// (+feature, -feature) needs a profile to edit, so a spec that starts with one is refused instead of silently
/// editing the empty profile; and features advertised without an implementation behind them are refused.
/// </summary>
internal static class HyperVSpec
{
    /// <summary>The default profile of `vmm run`.</summary>
    public const string Default = "linux";

    /// <summary>Parses <paramref name="spec"/> as `--hv` (named <paramref name="option"/> in messages).</summary>
    public static bool TryParse(string spec, string option, [NotNullWhen(true)] out HyperVFeatureProfile? profile, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(spec);
        profile = null;
        string first = spec.Split(',')[0].Trim();
        if (first.StartsWith('+') || first.StartsWith('-'))
        {
            error = $"{option} '{spec}' starts with an edit but names no profile to edit: write {HyperVSpec.Default},{spec.Trim()} "
                + $"(or none,{spec.Trim().TrimStart('+')} for that feature alone)";
            return false;
        }

        if (!HyperVFeatureProfile.TryParse(spec, out profile, out string? parseError))
        {
            error = $"{option}: {parseError}";
            return false;
        }

        return TryCheckImplemented(profile, option, out error);
    }

    /// <summary>Refuses what vmm would advertise without serving it.</summary>
    public static bool TryCheckImplemented(HyperVFeatureProfile profile, string option, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(profile);

        // vpassist advertises the VP assist page and the APIC EOI/ICR/TPR synthetic MSRs (TLFS "Virtual Processor
        // Assist Page", "Synthetic MSRs"); the APIC MSRs are not emulated, so a guest offered them would fault.
        if (profile.Has(HyperVFeature.VpAssist))
        {
            error = $"{option}: 'vpassist' is not offered yet: it advertises the APIC EOI/ICR/TPR MSRs, which vmm does not emulate (README, Hyper-V enlightenments)";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>Why <paramref name="profile"/> cannot serve <paramref name="cpus"/> vCPUs, with the fix; null when it can.</summary>
    public static string? CheckFits(HyperVFeatureProfile profile, int cpus, string cpusOption)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (profile.TryValidateFor(cpus, out _))
        {
            return null;
        }

        // TLFS "Virtual Processor Sets" / HvCallFlushVirtualAddressSpace: the non-Ex calls name VPs in a 64-bit mask.
        return $"{cpusOption} {cpus}: the Hyper-V profile '{profile}' reaches at most 64 vCPUs (its flush and IPI calls name VPs in a 64-bit mask); "
            + "use --hv windows, or add +tlbflush-ex (e.g. --hv linux,+tlbflush-ex), or --hv none";
    }
}

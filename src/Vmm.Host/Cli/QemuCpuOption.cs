using System.Diagnostics.CodeAnalysis;
using Vmm.HyperV.Cpuid;

namespace Vmm.Host.Cli;

/// <summary>
/// QEMU's <c>-cpu host,hv-...</c> spelling of `--hv`: the Hyper-V properties of QEMU's x86 CPU (QEMU documentation
/// docs/system/i386/hyperv.rst, "Hyper-V Enlightenments") mapped onto vmm's features. As in QEMU, <c>-cpu host</c>
/// alone advertises nothing, and any enlightenment also makes the hypercall interface available. The table is
/// <see cref="Aliases"/>; README "QEMU spellings" shows it.
/// </summary>
internal static class QemuCpuOption
{
    /// <summary>QEMU property → vmm `--hv` features (in QEMU, hv-tlbflush also recommends the Ex calls).</summary>
    public static IReadOnlyList<(string Qemu, string Vmm)> Aliases { get; } =
    [
        ("hv-relaxed", "relaxed"),
        ("hv-vpindex", "vpindex"),
        ("hv-time", "time"),
        ("hv-frequencies", "frequencies"),
        ("hv-tlbflush", "tlbflush,tlbflush-ex"),
        ("hv-tlbflush-ext", "extended-ranges"),
        ("hv-ipi", "ipi"),
        ("hv-xmm-input", "xmm"),
        ("hv-reset", "reset"),
        ("hv-spinlocks=N", "spinlocks=N"),
        ("hv-vapic", "vpassist"),
    ];

    /// <summary>QEMU Hyper-V properties vmm does not emulate: refused by name rather than as unknown words.</summary>
    private static readonly string[] s_notEmulated =
    [
        "hv-runtime", "hv-crash", "hv-synic", "hv-stimer", "hv-stimer-direct", "hv-vendor-id", "hv-reenlightenment",
        "hv-evmcs", "hv-avic", "hv-apicv", "hv-no-nonarch-coresharing", "hv-tlbflush-direct", "hv-emsr-bitmap",
        "hv-syndbg", "hv-passthrough", "hv-enforce-cpuid",
    ];

    /// <summary>Parses <c>host[,hv-x[=on|off]]...</c> into a profile, or says what is wrong.</summary>
    public static bool TryParse(string text, string option, [NotNullWhen(true)] out HyperVFeatureProfile? profile, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        profile = null;
        string[] items = [.. text.Split(',').Select(i => i.Trim())];
        if (items[0] is not ("host" or "max"))
        {
            error = $"{option} '{items[0]}': vmm offers only the host CPU model (write {option} host,hv-...)";
            return false;
        }

        var features = new List<string>();
        foreach (string item in items.Skip(1))
        {
            if (!TryTranslate(item, option, features, out error))
            {
                return false;
            }
        }

        string spec = features.Count == 0 ? "none" : "none,+hypercall," + string.Join(",", features);
        if (!HyperVFeatureProfile.TryParse(spec, out profile, out string? parseError))
        {
            error = $"{option} '{text}' (as --hv {spec}): {parseError}";
            return false;
        }

        return HyperVSpec.TryCheckImplemented(profile, option, out error);
    }

    private static bool TryTranslate(string item, string option, List<string> features, [NotNullWhen(false)] out string? error)
    {
        error = null;
        int eq = item.IndexOf('=', StringComparison.Ordinal);
        string name = (eq < 0 ? item : item[..eq]).Replace('_', '-').ToLowerInvariant();
        string? value = eq < 0 ? null : item[(eq + 1)..];
        if (name == "hv-spinlocks")
        {
            if (string.IsNullOrEmpty(value))
            {
                error = $"{option}: hv-spinlocks needs a retry count, e.g. hv-spinlocks=0x1fff";
                return false;
            }

            features.Add($"+spinlocks={value}");
            return true;
        }

        bool on = value is null || value is "on" or "true" or "yes";
        if (!on && value is not ("off" or "false" or "no"))
        {
            error = $"{option}: '{item}' must be on or off";
            return false;
        }

        (string Qemu, string Vmm) alias = Aliases.FirstOrDefault(a => a.Qemu == name);
        if (alias.Qemu is null)
        {
            error = s_notEmulated.Contains(name)
                ? $"{option}: '{name}' is a QEMU Hyper-V property vmm does not emulate"
                : $"{option}: unknown property '{item}' ({NameSuggester.Hint(name, [.. Aliases.Select(a => a.Qemu.Split('=')[0])], "Hyper-V properties vmm takes")})";
            return false;
        }

        features.AddRange(alias.Vmm.Split(',').Select(f => (on ? "+" : "-") + f));
        return true;
    }
}

using Vmm.HyperV.Cpuid;

namespace Vmm.Guests;

/// <summary>
/// `hvprobe`: checks the Hyper-V surface from inside the guest, on every vCPU, against the profile the VM was
/// started with (`--hv`): every CPUID leaf 0x40000000-0x4000000A (and the zero leaves) with the values the TLFS
/// defines for the profile; VP_INDEX equals the vCPU's VP index and is read-only; vCPU 0 sets GUEST_OS_ID and
/// enables the hypercall page, then every vCPU calls through it (fast and slow null hypercalls); TIME_REF_COUNT
/// is monotonic and agrees with the reference TSC page; one call of each error class returns its exact
/// HV_STATUS; a call from compatibility mode or CPL3 raises #UD; every MSR the profile does not grant raises
/// #GP. A C test kernel (guests/c/hvprobe/hvprobe.c) with its own TLFS definitions (guests/c/lib/tlfs.h), so
/// a wrong constant in Vmm.HyperV is not shared by the probe. The first failed check ends the VM with
/// "hvprobe: vCPU N failed check K: NAME"; vCPU 0 prints "hvprobe: all K checks passed on N vCPUs".
/// </summary>
public sealed class HvProbeGuest : IBuiltInGuest
{
    /// <summary>The GUEST_OS_ID the Iced guests write (an open-source OS id, TLFS "Reporting the Guest OS Identity").</summary>
    public const ulong GuestOsId = 0x8100_0000_0000_0001;

    /// <inheritdoc />
    public string Name => "hvprobe";

    /// <inheritdoc />
    public string Description => "checks the Hyper-V CPUID leaves, synthetic MSRs and hypercalls from inside the guest against --hv";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Arguments => new Dictionary<string, string>();

    /// <summary>The check names in id order, as the C probe numbers them (ids from 0 on every vCPU).</summary>
    public static IReadOnlyList<string> CheckNames(HyperVFeatureProfile profile, int processorCount)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var names = new List<string> { "no KVM signature at any CPUID leaf 0x400xxx00" };
        names.AddRange(HvCpuidLeaves.Build(profile, processorCount).Select(e => $"CPUID 0x{e.Function:X8} is as profiled"));
        if (profile.IsEnabled)
        {
            names.Add("CPUID.1:ECX[31] reports a hypervisor");
            if (profile.Has(HyperVFeature.VpIndex))
            {
                names.Add("HV_X64_MSR_VP_INDEX is this vCPU's VP index");
                names.Add("HV_X64_MSR_VP_INDEX is read-only (#GP on write)");
            }

            if (profile.Has(HyperVFeature.Hypercall))
            {
                names.Add("HV_X64_MSR_GUEST_OS_ID reads back what was written");
                names.Add("HV_X64_MSR_HYPERCALL enables the hypercall page");
            }

            if (profile.Has(HyperVFeature.Time))
            {
                names.Add("HV_X64_MSR_REFERENCE_TSC enables the reference TSC page");
            }

            if (profile.Has(HyperVFeature.Hypercall))
            {
                names.AddRange(
                [
                    "fast null hypercall (HvCallNotifyLongSpinWait) succeeds",
                    "slow null hypercall (input in memory) succeeds",
                    "an unknown call code returns HV_STATUS_INVALID_HYPERCALL_CODE",
                    "reserved control-word bits return HV_STATUS_INVALID_HYPERCALL_INPUT",
                    "a rep count on a simple call returns HV_STATUS_INVALID_HYPERCALL_INPUT",
                    "a misaligned input GPA returns HV_STATUS_INVALID_ALIGNMENT",
                    "an input GPA outside guest RAM returns HV_STATUS_INVALID_PARAMETER",
                ]);
            }

            if (profile.Has(HyperVFeature.Time))
            {
                names.Add("HV_X64_MSR_TIME_REF_COUNT is monotonic");
                names.Add("the reference TSC page is valid and agrees with TIME_REF_COUNT");
            }
        }

        names.Add("an undefined synthetic MSR (0x400000FF) raises #GP");
        AddUnless(names, profile, HyperVFeature.Hypercall, "HV_X64_MSR_GUEST_OS_ID without the hypercall privilege", "HV_X64_MSR_HYPERCALL without the hypercall privilege");
        AddUnless(names, profile, HyperVFeature.VpIndex, "HV_X64_MSR_VP_INDEX without its privilege");
        AddUnless(names, profile, HyperVFeature.Time, "HV_X64_MSR_TIME_REF_COUNT without its privilege", "HV_X64_MSR_REFERENCE_TSC without its privilege");
        AddUnless(names, profile, HyperVFeature.Frequencies, "HV_X64_MSR_TSC_FREQUENCY without its privilege");
        if (!profile.Has(HyperVFeature.VpAssist) && !profile.Has(HyperVFeature.Hypercall))
        {
            names.Add("HV_X64_MSR_VP_ASSIST_PAGE without any Hyper-V privilege raises #GP");
        }

        if (profile.Has(HyperVFeature.Hypercall))
        {
            names.Add("a hypercall from 32-bit compatibility mode raises #UD");
            names.Add("a hypercall from CPL3 never runs (#UD from the VMM, or #GP where the platform refuses the trap)");
        }

        return names;
    }

    /// <inheritdoc />
    public GuestImage Build(GuestBuildContext context) => CGuestImage.Build(Name, context);

    private static void AddUnless(List<string> names, HyperVFeatureProfile profile, HyperVFeature feature, params string[] msrs)
    {
        if (!profile.Has(feature))
        {
            names.AddRange(msrs.Select(m => m + " raises #GP"));
        }
    }
}

using Vmm.Core.Hypervisor;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Cpuid;

/// <summary>
/// Builds the hypervisor CPUID leaves (0x40000000 and up) from a <see cref="HyperVFeatureProfile"/>, and puts them
/// into a <see cref="CpuidTable"/> in place of whatever hypervisor leaves the backend reported.
/// </summary>
/// <remarks>
/// Values: TLFS feature-discovery.md; docs/hyperv.md#leaves, #other-leaves, #linux-detection and #minimal-linux-profile.
/// <list type="bullet">
/// <item>0x40000000: EAX = <see cref="MaxLeaf"/>, EBX:ECX:EDX = "Microsoft Hv".</item>
/// <item>0x40000001: EAX = "Hv#1".</item>
/// <item>0x40000002: build <see cref="BuildNumber"/>, version 10.0 (the WS2016 identity QEMU and KVM report, C.1).</item>
/// <item>0x40000003 / 0x40000004: the profile's privileges, feature flags, recommendations and spinlock retry count.</item>
/// <item>0x40000005: EAX = the partition's VP count; EBX, ECX = 0 ("not exposed", TLFS).</item>
/// <item><see cref="ZeroLeaves"/>: explicitly zero (see there).</item>
/// </list>
/// Profile <c>none</c> produces the same leaf numbers, all zero, so 0x40000000 reports no hypervisor interface.
/// </remarks>
public static class HvCpuidLeaves
{
    /// <summary>
    /// The maximum hypervisor leaf reported in 0x40000000.EAX: 0x40000005, the smallest the TLFS and Linux accept
    /// (docs/hyperv.md#linux-detection). Keeping it below 0x4000000A keeps Linux off the nested-feature paths (docs/hyperv.md#linux-boot).
    /// </summary>
    public const uint MaxLeaf = HvCpuidLeaf.MinimumMaxLeaf;

    /// <summary>0x40000002.EAX: build 14393 (Windows Server 2016), as QEMU and KVM report (docs/hyperv.md#leaves).</summary>
    public const uint BuildNumber = 14393;

    /// <summary>0x40000002.EBX: major 10 (bits 31:16), minor 0 (bits 15:0).</summary>
    public const uint Version = 10u << 16;

    /// <summary>
    /// Largest VP count a profile can describe: 64 sparse banks of 64 VPs (HV_VP_SET, docs/hyperv.md#vp-sets).
    /// </summary>
    public const int MaxVirtualProcessors = 64 * 64;

    /// <summary>
    /// Leaves above <see cref="MaxLeaf"/> that are defined as all-zero. Under KVM a leaf missing from the table
    /// but inside a defined 0x100 block returns the highest basic leaf's data on Intel (docs/kvm-host.md#long-mode-and-cpuid), so every
    /// leaf a guest is known to read gets an explicit zero entry: 0x40000006–0x4000000A and 0x4000000C (hardware,
    /// nested and isolation leaves, C.6), 0x40000081–0x40000082 (virtualization-stack interface and properties, which Linux
    /// reads, C.6) and 0x40000100–0x40000101 (where QEMU relocates KVM's signature, C.1, H.1). The list stays short
    /// because KVM_SET_CPUID2 takes a bounded number of entries; other blocks have no base entry and read as zero.
    /// </summary>
    public static IReadOnlyList<uint> ZeroLeaves { get; } =
    [
        HvCpuidLeaf.ImplementationHardwareFeatures,
        HvCpuidLeaf.CpuManagementFeatures,
        HvCpuidLeaf.SharedVirtualMemoryFeatures,
        HvCpuidLeaf.NestedHypervisorFeatures,
        HvCpuidLeaf.NestedVirtualizationFeatures,
        HvCpuidLeaf.IsolationConfiguration,
        HvCpuidLeaf.VirtualizationStackInterface,
        HvCpuidLeaf.VirtualizationStackProperties,
        HvCpuidLeaf.RelocatedKvmBase,
        HvCpuidLeaf.RelocatedKvmBase + 1,
    ];

    /// <summary>Builds the leaves for <paramref name="profile"/> on a partition with <paramref name="vpCount"/> VPs.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="vpCount"/> is not in 1..<see cref="MaxVirtualProcessors"/>.</exception>
    /// <exception cref="ArgumentException">The profile does not fit the VP count (see <see cref="HyperVFeatureProfile.TryValidateFor"/>).</exception>
    public static IReadOnlyList<CpuidEntry> Build(HyperVFeatureProfile profile, int vpCount)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentOutOfRangeException.ThrowIfLessThan(vpCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(vpCount, MaxVirtualProcessors);
        if (!profile.TryValidateFor(vpCount, out string? error))
        {
            throw new ArgumentException(error, nameof(profile));
        }

        var leaves = new List<CpuidEntry>(6 + ZeroLeaves.Count);
        if (profile.IsEnabled)
        {
            HvPartitionPrivileges privileges = profile.Privileges;
            leaves.Add(Leaf(HvCpuidLeaf.VendorAndMaxFunctions, MaxLeaf,
                HvCpuidLeaf.VendorSignatureEbx, HvCpuidLeaf.VendorSignatureEcx, HvCpuidLeaf.VendorSignatureEdx));
            leaves.Add(Leaf(HvCpuidLeaf.Interface, HvCpuidLeaf.InterfaceSignatureHv1));
            leaves.Add(Leaf(HvCpuidLeaf.SystemIdentity, BuildNumber, Version));
            leaves.Add(Leaf(HvCpuidLeaf.FeatureIdentification, privileges.Eax, privileges.Ebx, 0, profile.FeatureFlags.Value));
            leaves.Add(Leaf(HvCpuidLeaf.ImplementationRecommendations, profile.Recommendations.Value, profile.SpinlockRetryCount));
            leaves.Add(Leaf(HvCpuidLeaf.ImplementationLimits, (uint)vpCount));
        }
        else
        {
            for (uint leaf = HvCpuidLeaf.VendorAndMaxFunctions; leaf <= MaxLeaf; leaf++)
            {
                leaves.Add(Leaf(leaf));
            }
        }

        foreach (uint leaf in ZeroLeaves)
        {
            leaves.Add(Leaf(leaf));
        }

        return leaves;
    }

    /// <summary>
    /// Replaces every hypervisor leaf of <paramref name="table"/> (0x40000000–0x4FFFFFFF, e.g. KVM's "KVMKVMKVM")
    /// with <see cref="Build"/>'s, and sets CPUID.01H:ECX bit 31 when the profile enables anything.
    /// </summary>
    /// <remarks>
    /// A "KVMKVMKVM" signature anywhere in 0x40000000–0x4000FF00 makes Linux pick KVM over Hyper-V (docs/hyperv.md#linux-detection),
    /// so nothing of the backend's range survives. With profile <c>none</c> leaf 1 is left as the backend
    /// reported it. On a KVM host, "Hv#1" in KVM_SET_CPUID2 may switch on KVM's in-kernel Hyper-V unless the
    /// synthetic MSRs are filtered to userspace (docs/kvm-host.md#in-kernel-hyper-v, #msr-exits; the KVM backend does that).
    /// </remarks>
    public static void ApplyTo(CpuidTable table, HyperVFeatureProfile profile, int vpCount)
    {
        ArgumentNullException.ThrowIfNull(table);
        IReadOnlyList<CpuidEntry> leaves = Build(profile, vpCount);

        table.RemoveRange(HvCpuidLeaf.HypervisorRangeFirst, HvCpuidLeaf.HypervisorRangeLast);
        foreach (CpuidEntry leaf in leaves)
        {
            table.Set(leaf);
        }

        if (profile.IsEnabled && table.TryGet(1, 0, out CpuidEntry basic))
        {
            table.Set(basic with { Ecx = basic.Ecx | HvCpuidLeaf.HypervisorPresentEcxBit });
        }
    }

    private static CpuidEntry Leaf(uint function, uint eax = 0, uint ebx = 0, uint ecx = 0, uint edx = 0) =>
        new(function, Index: 0, IndexSignificant: false, eax, ebx, ecx, edx);
}

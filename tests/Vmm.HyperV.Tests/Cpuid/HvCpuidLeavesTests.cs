using System.Text;
using Vmm.Core.Hypervisor;
using Vmm.HyperV.Cpuid;
using Vmm.HyperV.Tlfs;
using Xunit;

namespace Vmm.HyperV.Tests.Cpuid;

public sealed class HvCpuidLeavesTests
{
    private const uint KvmSignatureEbx = 0x4B4D_564B; // "KVMK"
    private const uint KvmSignatureEcx = 0x564B_4D56; // "VMKV"
    private const uint KvmSignatureEdx = 0x0000_004D; // "M"

    public static TheoryData<string> EnabledProfiles => ["linux", "windows", "vpindex,relaxed", "linux,+time,+frequencies,+ipi"];

    public static TheoryData<string> AllProfiles => ["linux", "windows", "none", "relaxed"];

    [Theory]
    [MemberData(nameof(EnabledProfiles))]
    public void VendorSignatureReadsMicrosoftHvInEbxEcxEdxOrder(string spec)
    {
        CpuidEntry leaf = Find(Build(spec), 0x4000_0000);

        Assert.Equal("Microsoft Hv", Ascii(leaf.Ebx, leaf.Ecx, leaf.Edx));
    }

    [Theory]
    [MemberData(nameof(EnabledProfiles))]
    public void InterfaceSignatureReadsHv1(string spec)
    {
        CpuidEntry leaf = Find(Build(spec), 0x4000_0001);

        Assert.Equal("Hv#1", Ascii(leaf.Eax));
        Assert.Equal((0u, 0u, 0u), (leaf.Ebx, leaf.Ecx, leaf.Edx));
    }

    [Theory]
    [MemberData(nameof(EnabledProfiles))]
    public void MaxLeafIsAtLeast0x40000005AndEveryLeafUpToItExists(string spec)
    {
        IReadOnlyList<CpuidEntry> leaves = Build(spec);
        uint max = Find(leaves, 0x4000_0000).Eax;

        Assert.InRange(max, 0x4000_0005u, 0x4000_FFFFu); // the range Linux accepts (docs/hyperv.md#linux-detection)
        for (uint leaf = 0x4000_0000; leaf <= max; leaf++)
        {
            Find(leaves, leaf);
        }
    }

    [Fact]
    public void VersionLeafIsBuild14393Version10()
    {
        CpuidEntry leaf = Find(Build("linux"), 0x4000_0002);

        Assert.Equal((14393u, 0x000A_0000u), (leaf.Eax, leaf.Ebx));
    }

    [Theory]
    [InlineData("linux", 1)]
    [InlineData("linux", 2)]
    [InlineData("linux", 64)]
    [InlineData("windows", 65)]
    [InlineData("windows", 4096)]
    [InlineData("vpindex,relaxed", 200)]
    public void ImplementationLimitsReportTheVpCount(string spec, int vpCount)
    {
        CpuidEntry leaf = Find(Build(spec, vpCount), 0x4000_0005);

        Assert.Equal((uint)vpCount, leaf.Eax);
        Assert.Equal((0u, 0u, 0u), (leaf.Ebx, leaf.Ecx, leaf.Edx));
    }

    [Fact]
    public void LinuxProfileAdvertisesExactlyTheMinimalRemoteFlushSet()
    {
        IReadOnlyList<CpuidEntry> leaves = Build("linux");
        CpuidEntry features = Find(leaves, 0x4000_0003);
        CpuidEntry hints = Find(leaves, 0x4000_0004);

        // docs/hyperv.md#minimal-linux-profile: EAX = AccessHypercallMsrs (bit 5) | AccessVpIndex (bit 6); EBX, ECX, EDX = 0.
        Assert.Equal((0x60u, 0u, 0u, 0u), (features.Eax, features.Ebx, features.Ecx, features.Edx));
        // docs/hyperv.md#minimal-linux-profile: EAX = remote TLB flush (bit 2); EBX = 0xFFFFFFFF; ECX, EDX = 0.
        Assert.Equal((0x4u, 0xFFFF_FFFFu, 0u, 0u), (hints.Eax, hints.Ebx, hints.Ecx, hints.Edx));
    }

    [Fact]
    public void WindowsProfileAddsRelaxedTimingAndExProcessorMasks()
    {
        IReadOnlyList<CpuidEntry> leaves = Build("windows");

        Assert.Equal(0x60u, Find(leaves, 0x4000_0003).Eax);
        Assert.Equal(0x4u | 0x20u | 0x800u, Find(leaves, 0x4000_0004).Eax);
    }

    [Theory]
    //          spec                                leaf          register  value
    [InlineData("hypercall", 0x4000_0003u, 'a', 0x20u)]
    [InlineData("vpindex", 0x4000_0003u, 'a', 0x40u)]
    [InlineData("time", 0x4000_0003u, 'a', 0x202u)]               // TIME_REF_COUNT bit 1, reference TSC bit 9
    [InlineData("frequencies", 0x4000_0003u, 'a', 0x800u)]        // AccessFrequencyRegs bit 11 ...
    [InlineData("frequencies", 0x4000_0003u, 'd', 0x100u)]        // ... and EDX bit 8 (docs/hyperv.md#linux-detection)
    [InlineData("vpassist", 0x4000_0003u, 'a', 0x10u)]
    [InlineData("reset", 0x4000_0003u, 'a', 0x80u)]
    [InlineData("idle", 0x4000_0003u, 'a', 0x400u)]
    [InlineData("vpindex,tlbflush", 0x4000_0003u, 'a', 0x60u)]    // hypercall implied
    [InlineData("vpindex,tlbflush", 0x4000_0004u, 'a', 0x4u)]
    [InlineData("vpindex,tlbflush,tlbflush-ex", 0x4000_0004u, 'a', 0x804u)]
    [InlineData("vpindex,ipi", 0x4000_0004u, 'a', 0x400u)]
    [InlineData("relaxed", 0x4000_0004u, 'a', 0x20u)]
    [InlineData("relaxed", 0x4000_0004u, 'b', 0u)]                // spinlocks off: no retry count
    [InlineData("spinlocks", 0x4000_0004u, 'b', 0xFFFF_FFFFu)]
    [InlineData("spinlocks=0xfff", 0x4000_0004u, 'b', 0xFFFu)]
    [InlineData("spinlocks", 0x4000_0003u, 'a', 0x20u)]           // hypercall implied
    [InlineData("xmm", 0x4000_0003u, 'd', 0x10u)]                 // XMM fast hypercall input, EDX bit 4
    [InlineData("xmm", 0x4000_0003u, 'a', 0x20u)]                 // hypercall implied
    [InlineData("vpindex,tlbflush,extended-ranges", 0x4000_0003u, 'd', 0x4000u)] // EDX bit 14
    public void EachFeatureSetsItsBits(string spec, uint function, char register, uint expected)
    {
        CpuidEntry leaf = Find(Build(spec), function);

        uint value = register switch
        {
            'a' => leaf.Eax,
            'b' => leaf.Ebx,
            'c' => leaf.Ecx,
            _ => leaf.Edx,
        };
        Assert.Equal(expected, value);
    }

    [Fact]
    public void NoneAdvertisesNothing()
    {
        IReadOnlyList<CpuidEntry> leaves = Build("none");

        Assert.Equal(0u, Find(leaves, 0x4000_0000).Eax);
        for (uint leaf = 0x4000_0000; leaf <= 0x4000_0005; leaf++)
        {
            Find(leaves, leaf);
        }

        Assert.All(leaves, leaf => Assert.Equal((0u, 0u, 0u, 0u), (leaf.Eax, leaf.Ebx, leaf.Ecx, leaf.Edx)));
    }

    [Theory]
    [InlineData(0x4000_0006u)]
    [InlineData(0x4000_0007u)]
    [InlineData(0x4000_0008u)]
    [InlineData(0x4000_0009u)]
    [InlineData(0x4000_000Au)]
    [InlineData(0x4000_000Cu)]
    [InlineData(0x4000_0081u)]
    [InlineData(0x4000_0082u)]
    [InlineData(0x4000_0100u)]
    [InlineData(0x4000_0101u)]
    public void LeavesAGuestMayProbeAreExplicitlyZero(uint function)
    {
        foreach (string spec in new[] { "linux", "windows", "none" })
        {
            CpuidEntry leaf = Find(Build(spec), function);
            Assert.Equal((0u, 0u, 0u, 0u), (leaf.Eax, leaf.Ebx, leaf.Ecx, leaf.Edx));
        }
    }

    [Theory]
    [MemberData(nameof(AllProfiles))]
    public void ApplyingReplacesEveryKvmSignatureAndLeaf(string spec)
    {
        CpuidTable table = KvmLikeTable();

        HvCpuidLeaves.ApplyTo(table, HyperVFeatureProfile.Parse(spec), 4);

        Assert.DoesNotContain(table.Entries, e => e.Ebx == KvmSignatureEbx && e.Ecx == KvmSignatureEcx && e.Edx == KvmSignatureEdx);
        Assert.DoesNotContain(table.Entries, e => Ascii(e.Ebx, e.Ecx, e.Edx).Contains("KVM", StringComparison.Ordinal));
        Assert.DoesNotContain(table.Entries, e => e.Function == 0x4000_0001 && e.Eax == 0x0100_7EFB);
        Assert.DoesNotContain(table.Entries, e => e.Function == 0x4000_0200);
        IEnumerable<CpuidEntry> hypervisorLeaves = table.Entries.Where(e => e.Function >= 0x4000_0000 && e.Function <= 0x4FFF_FFFF);
        Assert.Equal(
            HvCpuidLeaves.Build(HyperVFeatureProfile.Parse(spec), 4).OrderBy(e => e.Function),
            hypervisorLeaves.OrderBy(e => e.Function));
    }

    [Fact]
    public void ApplyingKeepsEveryNonHypervisorLeaf()
    {
        CpuidTable table = KvmLikeTable();

        HvCpuidLeaves.ApplyTo(table, HyperVFeatureProfile.Linux, 4);

        Assert.Contains(new CpuidEntry(0, 0, false, 0xD, 0x756E_6547, 0x6C65_746E, 0x4965_6E69), table.Entries);
        Assert.Contains(new CpuidEntry(7, 0, true, 0, 0x1234, 0, 0), table.Entries);
        Assert.Contains(table.Entries, e => e.Function == 0x8000_0000);
    }

    [Theory]
    [InlineData("linux", 0x0000_0001u, 0x8000_0001u)]
    [InlineData("relaxed", 0x7FFA_3203u, 0xFFFA_3203u)]
    [InlineData("linux", 0x8000_0001u, 0x8000_0001u)]
    [InlineData("none", 0x0000_0001u, 0x0000_0001u)] // left as the backend reported it
    [InlineData("none", 0x8000_0001u, 0x8000_0001u)]
    public void HypervisorPresentBitFollowsTheProfile(string spec, uint ecxBefore, uint ecxAfter)
    {
        var table = new CpuidTable([new CpuidEntry(1, 0, false, 0x000A_06A4, 0x0080_0800, ecxBefore, 0x1F8B_FBFF)]);

        HvCpuidLeaves.ApplyTo(table, HyperVFeatureProfile.Parse(spec), 2);

        Assert.True(table.TryGet(1, 0, out CpuidEntry leaf));
        Assert.Equal(ecxAfter, leaf.Ecx);
        Assert.Equal((0x000A_06A4u, 0x0080_0800u, 0x1F8B_FBFFu), (leaf.Eax, leaf.Ebx, leaf.Edx));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(4097)]
    public void RejectsVpCountsOutsideOneTo4096(int vpCount)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => HvCpuidLeaves.Build(HyperVFeatureProfile.Linux, vpCount));
    }

    [Theory]
    [InlineData("linux", "tlbflush", "linux,+tlbflush-ex")]
    [InlineData("vpindex,ipi", "ipi", "vpindex,ipi,tlbflush,tlbflush-ex")]
    public void RejectsMoreThan64VpsWithoutExProcessorMasks(string spec, string feature, string fixedSpec)
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => Build(spec, 65));

        Assert.Contains(feature, error.Message, StringComparison.Ordinal);
        Assert.Contains("+tlbflush-ex", error.Message, StringComparison.Ordinal);
        Assert.Equal(0x800u, Find(Build(fixedSpec, 65), 0x4000_0004).Eax & 0x800u);
    }

    private static IReadOnlyList<CpuidEntry> Build(string spec, int vpCount = 4) =>
        HvCpuidLeaves.Build(HyperVFeatureProfile.Parse(spec), vpCount);

    private static CpuidEntry Find(IReadOnlyList<CpuidEntry> leaves, uint function)
    {
        CpuidEntry[] matches = leaves.Where(e => e.Function == function).ToArray();
        Assert.True(matches.Length == 1, $"expected exactly one leaf 0x{function:X8}, found {matches.Length}");
        return matches[0];
    }

    private static string Ascii(params uint[] registers)
    {
        var bytes = new List<byte>();
        foreach (uint register in registers)
        {
            bytes.AddRange(BitConverter.GetBytes(register)); // little-endian: byte 0 is the first character
        }

        return Encoding.ASCII.GetString(bytes.ToArray()).TrimEnd('\0');
    }

    /// <summary>A table shaped like KVM_GET_SUPPORTED_CPUID: basic leaves plus KVM's signature leaves (docs/kvm-host.md#long-mode-and-cpuid).</summary>
    private static CpuidTable KvmLikeTable() => new(
    [
        new CpuidEntry(0, 0, false, 0xD, 0x756E_6547, 0x6C65_746E, 0x4965_6E69), // "GenuineIntel"
        new CpuidEntry(1, 0, false, 0x000A_06A4, 0x0080_0800, 0x7FFA_3203, 0x1F8B_FBFF),
        new CpuidEntry(7, 0, true, 0, 0x1234, 0, 0),
        new CpuidEntry(0x4000_0000, 0, false, 0x4000_0001, KvmSignatureEbx, KvmSignatureEcx, KvmSignatureEdx),
        new CpuidEntry(0x4000_0001, 0, false, 0x0100_7EFB, 0, 0, 0),
        new CpuidEntry(0x4000_0100, 0, false, 0x4000_0101, KvmSignatureEbx, KvmSignatureEcx, KvmSignatureEdx),
        new CpuidEntry(0x4000_0200, 0, false, 0x4000_0201, KvmSignatureEbx, KvmSignatureEcx, KvmSignatureEdx),
        new CpuidEntry(0x8000_0000, 0, false, 0x8000_0008, 0, 0, 0),
    ]);
}

using Vmm.Core.Hypervisor;
using Vmm.Core.Memory;
using Vmm.HyperV.Cpuid;
using Vmm.HyperV.Msrs;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Tests.Msrs;

/// <summary>
/// Guest RAM with a hole, a fake platform and the MSRs under test. RAM: [0, 1 MiB) and [2 MiB, 3 MiB); the hole
/// [1 MiB, 2 MiB) is not RAM. Every RAM byte starts as <see cref="RamPattern"/> so overlays and restores show.
/// </summary>
public sealed class MsrTestMachine : IDisposable
{
    public const int Processors = 4;
    public const byte RamPattern = 0xA5;
    public const ulong HoleGpa = 0x10_0000;
    public const ulong HighRamGpa = 0x20_0000;
    public const ulong RamEnd = 0x30_0000;

    /// <summary>KVM's stub: <c>out 0xE8, al; ret</c>.</summary>
    public static readonly byte[] KvmStub = [0xE6, 0xE8, 0xC3];

    /// <summary>Every synthetic MSR feature this VMM can serve.</summary>
    public static HyperVFeatureProfile All { get; } = HyperVFeatureProfile.Parse("linux,+time,+frequencies,+vpassist,+reset,+idle");

    private MsrTestMachine(Func<GuestMemory, FakeHyperVPlatform, SyntheticMsrs> create, FakeHyperVPlatform platform)
    {
        Memory = new GuestMemory(
        [
            new GuestMemoryRegion(0, NativeHostMemoryBlock.Allocate(HoleGpa)),
            new GuestMemoryRegion(HighRamGpa, NativeHostMemoryBlock.Allocate(RamEnd - HighRamGpa)),
        ]);
        Memory.GetSpan(0, (int)HoleGpa).Fill(RamPattern);
        Memory.GetSpan(HighRamGpa, (int)(RamEnd - HighRamGpa)).Fill(RamPattern);
        Platform = platform;
        Msrs = create(Memory, platform);
    }

    public GuestMemory Memory { get; }

    public FakeHyperVPlatform Platform { get; }

    public SyntheticMsrs Msrs { get; }

    public static MsrTestMachine Create(HyperVFeatureProfile profile, FakeHyperVPlatform? platform = null) =>
        new((memory, p) => new SyntheticMsrs(profile, memory, Processors, KvmStub, p), platform ?? new FakeHyperVPlatform(Processors));

    public static MsrTestMachine Create(string profileSpec) => Create(HyperVFeatureProfile.Parse(profileSpec));

    public static MsrTestMachine Create(HvPartitionPrivileges privileges, HvFeatures features) =>
        new((memory, p) => new SyntheticMsrs(privileges, features, memory, Processors, KvmStub, p), new FakeHyperVPlatform(Processors));

    public ulong ReadOk(int vp, uint msr)
    {
        Assert.Equal(MsrAccessResult.Ok, Msrs.Read(vp, msr, out ulong value));
        return value;
    }

    public void WriteOk(int vp, uint msr, ulong value) => Assert.Equal(MsrAccessResult.Ok, Msrs.Write(vp, msr, value));

    public byte[] Page(ulong gpa) => Memory.GetSpan(gpa, 4096).ToArray();

    public static byte[] Pattern() => Enumerable.Repeat(RamPattern, 4096).ToArray();

    public void Dispose() => Memory.Dispose();
}

using Vmm.Core.Hypervisor;
using Vmm.HyperV.Msrs;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Tests.Msrs;

/// <summary>
/// The access table: every synthetic MSR read and written under each profile, from a fresh partition.
/// Profiles: <c>none</c>; <c>linux</c> (hypercall, vpindex, tlbflush, spinlocks); <c>all</c> (linux plus time,
/// frequencies, vpassist, reset, idle).
/// </summary>
public sealed class SyntheticMsrAccessTests
{
    private const MsrAccessResult Ok = MsrAccessResult.Ok;
    private const MsrAccessResult GP = MsrAccessResult.GeneralProtection;
    private const ulong Tsc = FakeHyperVPlatform.DefaultTscFrequency;
    private const ulong Apic = FakeHyperVPlatform.DefaultApicTimerFrequency;

    private static readonly uint[] s_implemented =
    [
        HvMsr.GuestOsId, HvMsr.Hypercall, HvMsr.VpIndex, HvMsr.Reset, HvMsr.VpRuntime, HvMsr.TimeRefCount,
        HvMsr.ReferenceTsc, HvMsr.TscFrequency, HvMsr.ApicFrequency, HvMsr.VpAssistPage, HvMsr.GuestIdle,
    ];

    /// <summary>(profile, vp, msr) → (result, value read).</summary>
    public static TheoryData<string, int, uint, MsrAccessResult, ulong> Reads
    {
        get
        {
            var data = new TheoryData<string, int, uint, MsrAccessResult, ulong>();
            foreach (uint msr in s_implemented)
            {
                data.Add("none", 0, msr, GP, 0);                    // no Hyper-V interface: nothing answers
            }

            // linux: hypercall MSRs, VP index, and the VP assist page Linux writes regardless (H.5).
            data.Add("linux", 0, HvMsr.GuestOsId, Ok, 0);
            data.Add("linux", 2, HvMsr.Hypercall, Ok, 0);
            data.Add("linux", 0, HvMsr.VpIndex, Ok, 0);
            data.Add("linux", 1, HvMsr.VpIndex, Ok, 1);
            data.Add("linux", 3, HvMsr.VpIndex, Ok, 3);
            data.Add("linux", 1, HvMsr.VpAssistPage, Ok, 0);
            data.Add("linux", 0, HvMsr.Reset, GP, 0);
            data.Add("linux", 0, HvMsr.VpRuntime, GP, 0);
            data.Add("linux", 0, HvMsr.TimeRefCount, GP, 0);
            data.Add("linux", 0, HvMsr.ReferenceTsc, GP, 0);
            data.Add("linux", 0, HvMsr.TscFrequency, GP, 0);
            data.Add("linux", 0, HvMsr.ApicFrequency, GP, 0);
            data.Add("linux", 0, HvMsr.GuestIdle, GP, 0);

            // all: every implemented MSR but VP_RUNTIME (no profile feature grants it).
            data.Add("all", 0, HvMsr.GuestOsId, Ok, 0);
            data.Add("all", 0, HvMsr.Hypercall, Ok, 0);
            data.Add("all", 2, HvMsr.VpIndex, Ok, 2);
            data.Add("all", 0, HvMsr.Reset, Ok, 0);
            data.Add("all", 0, HvMsr.VpRuntime, GP, 0);
            data.Add("all", 1, HvMsr.TimeRefCount, Ok, 0);       // the first access starts reference time at 0
            data.Add("all", 0, HvMsr.ReferenceTsc, Ok, 0);
            data.Add("all", 0, HvMsr.TscFrequency, Ok, Tsc);
            data.Add("all", 3, HvMsr.ApicFrequency, Ok, Apic);
            data.Add("all", 3, HvMsr.VpAssistPage, Ok, 0);
            data.Add("all", 0, HvMsr.GuestIdle, Ok, 0);

            // Not implemented, whatever is advertised: APIC MSRs, SynIC, stimers, holes in the block, the block's edges.
            foreach (string profile in new[] { "linux", "all" })
            {
                foreach (uint msr in new uint[]
                {
                    HvMsr.Eoi, HvMsr.Icr, HvMsr.Tpr, HvMsr.Scontrol, HvMsr.Sversion, HvMsr.Simp, HvMsr.Sint0,
                    HvMsr.Stimer0Config, HvMsr.Stimer3Count, 0x4000_0004, 0x4000_0024, 0x4000_00FF,
                    HvMsr.CrashP0, HvMsr.CrashCtl, HvMsr.TscInvariantControl, 0x3FFF_FFFF, 0x10, 0xC000_0080,
                })
                {
                    data.Add(profile, 0, msr, GP, 0);
                }
            }

            return data;
        }
    }

    /// <summary>(profile, vp, msr, value written) → (result, value read back on the same VP, or null when unreadable).</summary>
    public static TheoryData<string, int, uint, ulong, MsrAccessResult, ulong?> Writes
    {
        get
        {
            var data = new TheoryData<string, int, uint, ulong, MsrAccessResult, ulong?>();
            foreach (uint msr in s_implemented)
            {
                data.Add("none", 0, msr, 0, GP, null);
                data.Add("none", 0, msr, 1, GP, null);
            }

            const ulong LinuxOsId = 0x8100_0006_0A00_0000;
            data.Add("linux", 0, HvMsr.GuestOsId, LinuxOsId, Ok, LinuxOsId);
            data.Add("linux", 3, HvMsr.GuestOsId, 1, Ok, 1);
            data.Add("linux", 0, HvMsr.Hypercall, 0x3000, Ok, 0x3000);
            data.Add("linux", 0, HvMsr.Hypercall, 0x3001, Ok, 0x3000);                       // no GUEST_OS_ID yet: enable stays 0
            data.Add("linux", 0, HvMsr.Hypercall, 0x3FFE, Ok, 0x3FFE);                       // locked + RsvdP 11:2 kept
            data.Add("linux", 0, HvMsr.Hypercall, HighRam(1), Ok, HighRam(0));
            data.Add("linux", 0, HvMsr.VpIndex, 0, GP, 0);                                   // read-only
            data.Add("linux", 2, HvMsr.VpIndex, 7, GP, 2);
            data.Add("linux", 1, HvMsr.VpAssistPage, 0x7001, Ok, 0x7001);
            data.Add("linux", 1, HvMsr.VpAssistPage, 0x7FFF, Ok, 0x7FFF);                    // RsvdP 11:1 kept
            data.Add("linux", 1, HvMsr.VpAssistPage, MsrTestMachine.HoleGpa | 1, Ok, MsrTestMachine.HoleGpa | 1);
            data.Add("linux", 0, HvMsr.Reset, 1, GP, null);
            data.Add("linux", 0, HvMsr.ReferenceTsc, 0x5001, GP, null);
            data.Add("linux", 0, HvMsr.TimeRefCount, 0, GP, null);
            data.Add("linux", 0, HvMsr.Eoi, 0, GP, null);

            data.Add("all", 0, HvMsr.Reset, 0, Ok, 0);
            data.Add("all", 0, HvMsr.Reset, 2, GP, 0);                                      // bits 63:1 are RsvdZ
            data.Add("all", 0, HvMsr.Reset, 3, GP, 0);
            data.Add("all", 0, HvMsr.Reset, 1UL << 63, GP, 0);
            data.Add("all", 0, HvMsr.ReferenceTsc, 0x5000, Ok, 0x5000);
            data.Add("all", 0, HvMsr.ReferenceTsc, 0x5001, Ok, 0x5001);
            data.Add("all", 0, HvMsr.ReferenceTsc, 0x5FFF, Ok, 0x5FFF);                      // RsvdP 11:1 kept
            data.Add("all", 0, HvMsr.ReferenceTsc, MsrTestMachine.HoleGpa | 1, Ok, MsrTestMachine.HoleGpa | 1); // not RAM: accepted
            data.Add("all", 0, HvMsr.TimeRefCount, 0, GP, 0);                                // read-only (TLFS timers.md)
            data.Add("all", 0, HvMsr.TscFrequency, 1, GP, Tsc);
            data.Add("all", 0, HvMsr.ApicFrequency, 1, GP, Apic);
            data.Add("all", 0, HvMsr.GuestIdle, 0, GP, 0);
            data.Add("all", 0, HvMsr.VpRuntime, 0, GP, null);
            data.Add("all", 0, HvMsr.Tpr, 0, GP, null);
            data.Add("all", 0, 0x4000_00FF, 0, GP, null);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Reads))]
    public void ReadsFollowTheAccessTable(string profile, int vp, uint msr, MsrAccessResult expected, ulong expectedValue)
    {
        using MsrTestMachine m = Machine(profile);

        MsrAccessResult result = m.Msrs.Read(vp, msr, out ulong value);

        Assert.Equal(expected, result);
        Assert.Equal(expectedValue, value);
    }

    [Theory]
    [MemberData(nameof(Writes))]
    public void WritesFollowTheAccessTable(string profile, int vp, uint msr, ulong value, MsrAccessResult expected, ulong? readBack)
    {
        using MsrTestMachine m = Machine(profile);

        Assert.Equal(expected, m.Msrs.Write(vp, msr, value));

        if (readBack is { } back)
        {
            Assert.Equal(back, m.ReadOk(vp, msr));
        }
    }

    [Fact]
    public void VpIndexIsTheProcessorIndexOnEveryProcessor()
    {
        using MsrTestMachine m = MsrTestMachine.Create("linux");

        for (int vp = 0; vp < MsrTestMachine.Processors; vp++)
        {
            Assert.Equal((ulong)vp, m.ReadOk(vp, HvMsr.VpIndex));
        }
    }

    [Theory]
    [InlineData(false, false, MsrAccessResult.GeneralProtection)]
    [InlineData(true, false, MsrAccessResult.GeneralProtection)]  // privilege alone: Linux would not use them either
    [InlineData(false, true, MsrAccessResult.GeneralProtection)]  // feature bit alone
    [InlineData(true, true, MsrAccessResult.Ok)]
    public void FrequencyMsrsNeedThePrivilegeAndTheFeatureBit(bool privilege, bool feature, MsrAccessResult expected)
    {
        using MsrTestMachine m = MsrTestMachine.Create(
            default(HvPartitionPrivileges).WithAccessHypercallMsrs(true).WithAccessFrequencyRegs(privilege),
            default(HvFeatures).WithFrequencyRegsAvailable(feature));

        Assert.Equal(expected, m.Msrs.Read(0, HvMsr.TscFrequency, out _));
        Assert.Equal(expected, m.Msrs.Read(0, HvMsr.ApicFrequency, out _));
    }

    [Fact]
    public void VpRuntimeComesFromThePlatformWhenItsPrivilegeIsAdvertised()
    {
        using MsrTestMachine m = MsrTestMachine.Create(default(HvPartitionPrivileges).WithAccessVpRunTimeReg(true), default);

        Assert.Equal(3_000_000UL, m.ReadOk(2, HvMsr.VpRuntime));
        Assert.Equal(1_000_000UL, m.ReadOk(0, HvMsr.VpRuntime));
        Assert.Equal(MsrAccessResult.GeneralProtection, m.Msrs.Write(0, HvMsr.VpRuntime, 0));
    }

    [Theory]
    [InlineData(false, false, MsrAccessResult.GeneralProtection)]
    [InlineData(true, false, MsrAccessResult.Ok)]                 // AccessIntrCtrlRegs, its own bit
    [InlineData(false, true, MsrAccessResult.Ok)]                 // any Hyper-V interface: Linux writes it anyway
    public void VpAssistPageIsOpenWithItsOwnBitOrAnyHyperVInterface(bool intrCtrl, bool hypercallMsrs, MsrAccessResult expected)
    {
        using MsrTestMachine m = MsrTestMachine.Create(
            default(HvPartitionPrivileges).WithAccessIntrCtrlRegs(intrCtrl).WithAccessHypercallMsrs(hypercallMsrs), default);

        Assert.Equal(expected, m.Msrs.Write(0, HvMsr.VpAssistPage, 0x7001));
        Assert.Equal(expected, m.Msrs.Read(0, HvMsr.VpAssistPage, out _));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(MsrTestMachine.Processors)]
    public void AProcessorIndexOutOfRangeIsAVmmBug(int vp)
    {
        using MsrTestMachine m = MsrTestMachine.Create("linux");

        Assert.Throws<ArgumentOutOfRangeException>(() => m.Msrs.Read(vp, HvMsr.VpIndex, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Msrs.Write(vp, HvMsr.GuestOsId, 1));
    }

    [Fact]
    public void RoutedRangeIsTheSyntheticMsrBlock()
    {
        MsrRange range = Assert.Single(SyntheticMsrRanges.UserspaceRanges);

        Assert.Equal(new MsrRange(0x4000_0000, 0x4000_00FF), range);
        Assert.True(SyntheticMsrRanges.Contains(HvMsr.GuestOsId));
        Assert.True(SyntheticMsrRanges.Contains(HvMsr.GuestIdle));
        Assert.True(SyntheticMsrRanges.Contains(0x4000_00FF));
        Assert.False(SyntheticMsrRanges.Contains(0x3FFF_FFFF));
        Assert.False(SyntheticMsrRanges.Contains(HvMsr.CrashP0));
        foreach (uint msr in s_implemented)
        {
            Assert.True(range.Contains(msr));
        }
    }

    private static ulong HighRam(ulong flags) => MsrTestMachine.HighRamGpa | flags;

    private static MsrTestMachine Machine(string profile) =>
        profile == "all" ? MsrTestMachine.Create(MsrTestMachine.All) : MsrTestMachine.Create(profile);
}

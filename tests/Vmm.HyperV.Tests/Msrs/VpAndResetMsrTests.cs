using Vmm.Core.Hypervisor;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Tests.Msrs;

/// <summary>HV_X64_MSR_VP_ASSIST_PAGE (per VP), HV_X64_MSR_RESET, HV_X64_MSR_GUEST_IDLE, and Reset().</summary>
public sealed class VpAndResetMsrTests : IDisposable
{
    private readonly MsrTestMachine _m = MsrTestMachine.Create(MsrTestMachine.All);

    public void Dispose() => _m.Dispose();

    [Fact]
    public void VpAssistPageIsStoredPerProcessor()
    {
        _m.WriteOk(0, HvMsr.VpAssistPage, 0x7001);
        _m.WriteOk(1, HvMsr.VpAssistPage, 0x8001);

        Assert.Equal(0x7001UL, _m.ReadOk(0, HvMsr.VpAssistPage));
        Assert.Equal(0x8001UL, _m.ReadOk(1, HvMsr.VpAssistPage));
        Assert.Equal(0UL, _m.ReadOk(2, HvMsr.VpAssistPage));
    }

    [Fact]
    public void EnablingTheVpAssistPageClearsOnlyItsApicAssistField()
    {
        _m.WriteOk(0, HvMsr.VpAssistPage, 0x7001);

        byte[] page = _m.Page(0x7000);
        Assert.Equal(new byte[4], page[..4]);                                // NoEOIRequired is never granted
        Assert.All(page[4..], b => Assert.Equal(MsrTestMachine.RamPattern, b));
    }

    [Fact]
    public void DisablingOrPointingTheVpAssistPageOutsideRamWritesNothing()
    {
        _m.WriteOk(0, HvMsr.VpAssistPage, 0x7000);
        _m.WriteOk(0, HvMsr.VpAssistPage, MsrTestMachine.HoleGpa | 1);

        Assert.Equal(MsrTestMachine.Pattern(), _m.Page(0x7000));
        Assert.Equal(MsrTestMachine.HoleGpa | 1, _m.ReadOk(0, HvMsr.VpAssistPage));
    }

    [Fact]
    public void WritingResetBitZeroCallsThePlatformOnce()
    {
        _m.WriteOk(2, HvMsr.Reset, 0);
        Assert.Equal(0, _m.Platform.ResetRequests);

        _m.WriteOk(2, HvMsr.Reset, 1);

        Assert.Equal(1, _m.Platform.ResetRequests);
        Assert.Equal(0UL, _m.ReadOk(2, HvMsr.Reset));
    }

    [Fact]
    public void AResetWriteWithReservedBitsFaultsWithoutResetting()
    {
        Assert.Equal(MsrAccessResult.GeneralProtection, _m.Msrs.Write(0, HvMsr.Reset, 0x3));

        Assert.Equal(0, _m.Platform.ResetRequests);
    }

    [Fact]
    public void GuestIdleReturnsAtOnceWithZero()
    {
        Assert.Equal(0UL, _m.ReadOk(1, HvMsr.GuestIdle));
    }

    [Fact]
    public void ResetPutsEveryMsrBackToPowerOn()
    {
        _m.WriteOk(0, HvMsr.GuestOsId, 0x8100_0000_0000_0000);
        _m.WriteOk(0, HvMsr.Hypercall, 0x3003);
        _m.WriteOk(0, HvMsr.ReferenceTsc, 0x5001);
        for (int vp = 0; vp < MsrTestMachine.Processors; vp++)
        {
            _m.WriteOk(vp, HvMsr.VpAssistPage, 0x7001 + ((ulong)vp << 12));
        }

        _m.Msrs.Reset();

        foreach (uint msr in new[] { HvMsr.GuestOsId, HvMsr.Hypercall, HvMsr.ReferenceTsc })
        {
            Assert.Equal(0UL, _m.ReadOk(0, msr));
        }

        for (int vp = 0; vp < MsrTestMachine.Processors; vp++)
        {
            Assert.Equal(0UL, _m.ReadOk(vp, HvMsr.VpAssistPage));
            Assert.Equal((ulong)vp, _m.ReadOk(vp, HvMsr.VpIndex));
        }
    }
}

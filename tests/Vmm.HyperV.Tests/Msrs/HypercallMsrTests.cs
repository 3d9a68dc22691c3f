using Vmm.Core.Hypervisor;
using Vmm.Core.Memory;
using Vmm.HyperV.Cpuid;
using Vmm.HyperV.Msrs;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Tests.Msrs;

/// <summary>HV_X64_MSR_GUEST_OS_ID and HV_X64_MSR_HYPERCALL: the page, the GUEST_OS_ID rule, the lock, RAM checks.</summary>
public sealed class HypercallMsrTests : IDisposable
{
    private const ulong OsId = 0x8100_0006_0A00_0000;
    private const ulong PageA = 0x3000;
    private const ulong PageB = MsrTestMachine.HighRamGpa + 0x5000;
    private const ulong Enable = 1;
    private const ulong Locked = 2;

    private readonly MsrTestMachine _m = MsrTestMachine.Create("linux");

    public void Dispose() => _m.Dispose();

    [Fact]
    public void EnablingWritesTheStubAtTheGpaAndInt3EverywhereElse()
    {
        _m.WriteOk(0, HvMsr.GuestOsId, OsId);
        _m.WriteOk(1, HvMsr.Hypercall, PageA | Enable);

        byte[] page = _m.Page(PageA);
        Assert.Equal(MsrTestMachine.KvmStub, page[..3]);
        Assert.All(page[3..], b => Assert.Equal(0xCC, b));
        Assert.Equal(PageA | Enable, _m.ReadOk(2, HvMsr.Hypercall));       // partition-wide: every VP reads it
        Assert.True(_m.Msrs.IsHypercallPageEnabled);
        Assert.Equal(MsrTestMachine.RamPattern, _m.Memory.GetSpan(PageA - 1, 1)[0]);   // neighbours untouched
        Assert.Equal(MsrTestMachine.RamPattern, _m.Memory.GetSpan(PageA + 4096, 1)[0]);
    }

    [Fact]
    public void EnablingBeforeGuestOsIdKeepsTheEnableBitZeroAndWritesNothing()
    {
        _m.WriteOk(0, HvMsr.Hypercall, PageA | Enable);

        Assert.Equal(PageA, _m.ReadOk(0, HvMsr.Hypercall));
        Assert.False(_m.Msrs.IsHypercallPageEnabled);
        Assert.Equal(MsrTestMachine.Pattern(), _m.Page(PageA));

        // Setting the OS id later does not enable it by itself; the guest writes the MSR again.
        _m.WriteOk(0, HvMsr.GuestOsId, OsId);
        Assert.Equal(PageA, _m.ReadOk(0, HvMsr.Hypercall));
        _m.WriteOk(0, HvMsr.Hypercall, PageA | Enable);
        Assert.Equal(PageA | Enable, _m.ReadOk(0, HvMsr.Hypercall));
    }

    [Theory]
    [InlineData(MsrTestMachine.HoleGpa)]                  // a hole between RAM regions
    [InlineData(MsrTestMachine.RamEnd)]                   // just past the end of RAM
    [InlineData(0xFFFF_FFFF_FFFF_F000)]                   // the top of the 64-bit space
    public void AGpaOutsideRamFaultsAndChangesNothing(ulong gpa)
    {
        _m.WriteOk(0, HvMsr.GuestOsId, OsId);
        _m.WriteOk(0, HvMsr.Hypercall, PageA | Enable);

        Assert.Equal(MsrAccessResult.GeneralProtection, _m.Msrs.Write(0, HvMsr.Hypercall, gpa | Enable));

        Assert.Equal(PageA | Enable, _m.ReadOk(0, HvMsr.Hypercall));
        Assert.Equal(MsrTestMachine.KvmStub, _m.Page(PageA)[..3]);
    }

    [Fact]
    public void AGpaOutsideRamIsAcceptedWhileTheEnableBitIsClear()
    {
        _m.WriteOk(0, HvMsr.GuestOsId, OsId);

        _m.WriteOk(0, HvMsr.Hypercall, MsrTestMachine.HoleGpa);

        Assert.Equal(MsrTestMachine.HoleGpa, _m.ReadOk(0, HvMsr.Hypercall));
    }

    [Fact]
    public void DisablingPutsTheRamUnderThePageBack()
    {
        _m.WriteOk(0, HvMsr.GuestOsId, OsId);
        _m.WriteOk(0, HvMsr.Hypercall, PageA | Enable);

        _m.WriteOk(0, HvMsr.Hypercall, PageA);

        Assert.Equal(PageA, _m.ReadOk(0, HvMsr.Hypercall));
        Assert.False(_m.Msrs.IsHypercallPageEnabled);
        Assert.Equal(MsrTestMachine.Pattern(), _m.Page(PageA));
    }

    [Fact]
    public void MovingThePageRestoresTheOldGpaAndWritesTheNewOne()
    {
        _m.WriteOk(0, HvMsr.GuestOsId, OsId);
        _m.WriteOk(0, HvMsr.Hypercall, PageA | Enable);

        _m.WriteOk(3, HvMsr.Hypercall, PageB | Enable);

        Assert.Equal(MsrTestMachine.Pattern(), _m.Page(PageA));
        Assert.Equal(MsrTestMachine.KvmStub, _m.Page(PageB)[..3]);
        Assert.Equal(PageB | Enable, _m.ReadOk(0, HvMsr.Hypercall));
    }

    [Fact]
    public void RewritingTheSameValueRefreshesThePage()
    {
        _m.WriteOk(0, HvMsr.GuestOsId, OsId);
        _m.WriteOk(0, HvMsr.Hypercall, PageA | Enable);
        _m.Memory.GetSpan(PageA, 3).Clear();                 // the guest scribbles on it (Hyper-V would #GP)

        _m.WriteOk(0, HvMsr.Hypercall, PageA | Enable);

        Assert.Equal(MsrTestMachine.KvmStub, _m.Page(PageA)[..3]);
        _m.WriteOk(0, HvMsr.Hypercall, 0);
        Assert.Equal(MsrTestMachine.Pattern(), _m.Page(PageA));   // and the RAM saved at the first enable returns
    }

    [Fact]
    public void ClearingGuestOsIdDisablesThePage()
    {
        _m.WriteOk(0, HvMsr.GuestOsId, OsId);
        _m.WriteOk(0, HvMsr.Hypercall, PageA | Enable);

        _m.WriteOk(1, HvMsr.GuestOsId, 0);

        Assert.Equal(PageA, _m.ReadOk(0, HvMsr.Hypercall));
        Assert.False(_m.Msrs.IsHypercallPageEnabled);
        Assert.Equal(MsrTestMachine.Pattern(), _m.Page(PageA));
    }

    [Fact]
    public void OnceLockedEveryWriteIsIgnoredUntilReset()
    {
        _m.WriteOk(0, HvMsr.GuestOsId, OsId);
        _m.WriteOk(0, HvMsr.Hypercall, PageA | Locked | Enable);

        _m.WriteOk(0, HvMsr.Hypercall, PageB | Enable);                 // relocation: ignored, not #GP
        _m.WriteOk(0, HvMsr.Hypercall, 0);                              // disable or unlock: ignored
        _m.WriteOk(0, HvMsr.Hypercall, MsrTestMachine.HoleGpa | Enable); // even a write that would fault

        Assert.Equal(PageA | Locked | Enable, _m.ReadOk(0, HvMsr.Hypercall));
        Assert.Equal(MsrTestMachine.KvmStub, _m.Page(PageA)[..3]);
        Assert.Equal(MsrTestMachine.Pattern(), _m.Page(PageB));
    }

    [Fact]
    public void ClearingGuestOsIdDisablesEvenALockedPageWhichThenStaysOff()
    {
        _m.WriteOk(0, HvMsr.GuestOsId, OsId);
        _m.WriteOk(0, HvMsr.Hypercall, PageA | Locked | Enable);

        _m.WriteOk(0, HvMsr.GuestOsId, 0);
        _m.WriteOk(0, HvMsr.GuestOsId, OsId);
        _m.WriteOk(0, HvMsr.Hypercall, PageA | Locked | Enable);

        Assert.Equal(PageA | Locked, _m.ReadOk(0, HvMsr.Hypercall));
        Assert.False(_m.Msrs.IsHypercallPageEnabled);
    }

    [Fact]
    public void ResetUnlocksAndClearsWithoutWritingGuestMemory()
    {
        _m.WriteOk(0, HvMsr.GuestOsId, OsId);
        _m.WriteOk(0, HvMsr.Hypercall, PageA | Locked | Enable);

        _m.Msrs.Reset();

        Assert.Equal(0UL, _m.ReadOk(0, HvMsr.GuestOsId));
        Assert.Equal(0UL, _m.ReadOk(0, HvMsr.Hypercall));
        Assert.False(_m.Msrs.IsHypercallPageEnabled);
        Assert.Equal(MsrTestMachine.KvmStub, _m.Page(PageA)[..3]);       // the VMM reloads RAM itself

        _m.WriteOk(0, HvMsr.GuestOsId, OsId);
        _m.WriteOk(0, HvMsr.Hypercall, PageB | Enable);
        Assert.Equal(PageB | Enable, _m.ReadOk(0, HvMsr.Hypercall));
    }

    [Fact]
    public void TheStubIsCopiedAtConstruction()
    {
        byte[] stub = [0x0F, 0x01, 0xC1, 0xC3];                          // vmcall; ret
        var platform = new FakeHyperVPlatform();
        using var memory = GuestMemory.CreateNative(0x10000);
        var msrs = new SyntheticMsrs(HyperVFeatureProfile.Linux, memory, 1, stub, platform);
        stub[0] = 0x90;

        Assert.Equal(MsrAccessResult.Ok, msrs.Write(0, HvMsr.GuestOsId, OsId));
        Assert.Equal(MsrAccessResult.Ok, msrs.Write(0, HvMsr.Hypercall, PageA | Enable));

        Assert.Equal(new byte[] { 0x0F, 0x01, 0xC1, 0xC3, 0xCC }, memory.GetSpan(PageA, 5).ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4097)]
    public void AStubThatIsEmptyOrLargerThanAPageIsRejected(int length)
    {
        using var memory = GuestMemory.CreateNative(0x10000);

        Assert.Throws<ArgumentException>(
            () => new SyntheticMsrs(HyperVFeatureProfile.Linux, memory, 1, new byte[length], new FakeHyperVPlatform()));
        _ = new SyntheticMsrs(HyperVFeatureProfile.None, memory, 1, new byte[length], new FakeHyperVPlatform()); // unused: fine
    }

    [Fact]
    public void HypercallPageFillValidatesItsArguments()
    {
        Assert.Throws<ArgumentException>(() => HypercallPage.Fill(new byte[4095], MsrTestMachine.KvmStub));
        Assert.Throws<ArgumentException>(() => HypercallPage.Fill(new byte[4096], []));

        byte[] page = new byte[4096];
        byte[] full = Enumerable.Repeat((byte)0x90, 4096).ToArray();
        HypercallPage.Fill(page, full);
        Assert.Equal(full, page);
    }
}

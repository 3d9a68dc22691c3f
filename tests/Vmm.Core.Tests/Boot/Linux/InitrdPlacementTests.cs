using Vmm.Core.Boot.Elf;
using Vmm.Core.Boot.Linux;
using Vmm.Core.Memory;

namespace Vmm.Core.Tests.Boot.Linux;

public sealed class InitrdPlacementTests
{
    private const ulong KernelStart = 0x10_0000;
    private const ulong KernelEnd = 0x100_0000 + 0x3F9_8000;   // Debian 6.1: 16 MiB + init_size

    [Fact]
    public void GoesAtTheTopOfRamPageAligned()
    {
        IReadOnlyList<E820Entry> map = E820Map.Build(GuestRamLayout.Ranges(256UL << 20));
        ulong at = InitrdPlacement.Place(0x12345, 0x7FFF_FFFF, map, KernelStart, KernelEnd);
        Assert.Equal(0UL, at % 0x1000);
        Assert.True(at + 0x12345 <= 256UL << 20);
        Assert.True((256UL << 20) - (at + 0x12345) < 0x1000);
    }

    [Fact]
    public void StaysBelowInitrdAddrMax()
    {
        IReadOnlyList<E820Entry> map = E820Map.Build(GuestRamLayout.Ranges(8UL << 30));
        ulong at = InitrdPlacement.Place(10 << 20, 0x7FFF_FFFF, map, KernelStart, KernelEnd);
        Assert.True(at + (10 << 20) - 1 <= 0x7FFF_FFFF);
        Assert.True(at >= 0x7000_0000);
    }

    [Fact]
    public void NeverOverlapsTheKernelAndGoesBelowItWhenTheKernelFillsTheTop()
    {
        IReadOnlyList<E820Entry> map = E820Map.Build(GuestRamLayout.Ranges(128UL << 20));
        ulong at = InitrdPlacement.Place(2 << 20, 0x7FFF_FFFF, map, 0x200_0000, 128UL << 20);
        Assert.True(at + (2 << 20) <= 0x200_0000);
        Assert.True(at >= 0x10_0000);
    }

    [Fact]
    public void RefusesAnInitrdLargerThanRam()
    {
        IReadOnlyList<E820Entry> map = E820Map.Build(GuestRamLayout.Ranges(128UL << 20));
        var e = Assert.Throws<KernelLoadException>(() => InitrdPlacement.Place(200UL << 20, 0x7FFF_FFFF, map, KernelStart, KernelEnd));
        Assert.Contains("larger than the guest's RAM", e.Message);
    }

    [Fact]
    public void RefusesAnInitrdThatFitsRamButNotBelowInitrdAddrMax()
    {
        IReadOnlyList<E820Entry> map = E820Map.Build(GuestRamLayout.Ranges(8UL << 30));
        var e = Assert.Throws<KernelLoadException>(() => InitrdPlacement.Place(3UL << 30, 0x7FFF_FFFF, map, KernelStart, KernelEnd));
        Assert.Contains("initrd_addr_max 0x7FFFFFFF", e.Message);
    }

    [Fact]
    public void RefusesAnInitrdWithNoRoomBesideTheKernel()
    {
        IReadOnlyList<E820Entry> map = E820Map.Build(GuestRamLayout.Ranges(96UL << 20));
        var e = Assert.Throws<KernelLoadException>(() => InitrdPlacement.Place(40UL << 20, 0x7FFF_FFFF, map, KernelStart, KernelEnd));
        Assert.Contains("beside the kernel", e.Message);
    }
}

using Vmm.Core.Boot.Linux;
using Vmm.Core.Memory;

namespace Vmm.Core.Tests.Boot.Linux;

public sealed class E820MapTests
{
    [Fact]
    public void RamBelowOneMegabyteThenTheReservedLegacyAreaThenRamFromOneMegabyte()
    {
        IReadOnlyList<E820Entry> map = E820Map.Build(GuestRamLayout.Ranges(256UL << 20));
        Assert.Equal(
            [
                new E820Entry(0, 0x9_FC00, E820Type.Ram),
                new E820Entry(0x9_FC00, 0x10_0000 - 0x9_FC00, E820Type.Reserved),
                new E820Entry(0x10_0000, (256UL << 20) - 0x10_0000, E820Type.Ram),
            ],
            map);
    }

    [Fact]
    public void RamReachingTheDeviceAddressesIsSplitAroundTheHoleAndContinuesAtFourGigabytes()
    {
        const ulong size = 8UL << 30;
        IReadOnlyList<(ulong Start, ulong Size)> ranges = GuestRamLayout.Ranges(size);
        Assert.Equal([(0UL, 0xFEA0_0000UL), (1UL << 32, size - 0xFEA0_0000UL)], ranges);
        IReadOnlyList<E820Entry> map = E820Map.Build(ranges);
        Assert.Equal(new E820Entry(0x10_0000, 0xFEA0_0000 - 0x10_0000, E820Type.Ram), map[2]);
        Assert.Equal(new E820Entry(1UL << 32, size - 0xFEA0_0000, E820Type.Ram), map[3]);
        Assert.Equal(size, E820Map.RamEntries(map).Aggregate(0UL, (s, e) => s + e.Size) + (0x10_0000 - 0x9_FC00));
        foreach (ulong device in (ulong[])[0xFEA0_0000, 0xFEB0_0000, 0xFEC0_0000, 0xFEE0_0000, 0xFFFB_D000])
        {
            Assert.DoesNotContain(map, e => e.Type == E820Type.Ram && e.Address <= device && device < e.End);
        }
    }

    [Fact]
    public void RamEndingExactlyAtTheHoleIsOneRange()
    {
        Assert.Single(GuestRamLayout.Ranges(0xFEA0_0000));
        Assert.Equal(3, E820Map.Build(GuestRamLayout.Ranges(0xFEA0_0000)).Count);
    }

    [Fact]
    public void RefusesRamNotStartingAtZero() =>
        Assert.Throws<ArgumentException>(() => E820Map.Build([(0x10_0000, 64UL << 20)]));
}

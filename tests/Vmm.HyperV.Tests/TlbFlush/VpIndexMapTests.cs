using Vmm.Core.TlbFlush;
using Vmm.Core.Vcpu;
using Vmm.HyperV.TlbFlush;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Tests.TlbFlush;

public sealed class VpIndexMapTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(65, 2)]
    [InlineData(130, 3)]
    [InlineData(4095, 4)]
    [InlineData(2, -1)]
    [InlineData(64, -1)]
    [InlineData(4096, -1)]
    [InlineData(-1, -1)]
    [InlineData(int.MaxValue, -1)]
    public void TableMapsBothWays(int vp, int vcpu)
    {
        VpIndexMap map = VpIndexMap.FromVpIndices([0, 1, 65, 130, 4095]);

        Assert.Equal(5, map.VcpuCount);
        Assert.False(map.IsIdentity);
        Assert.Equal(vcpu, map.GetVcpuIndex(vp));
        if (vcpu >= 0)
        {
            Assert.Equal(vp, map.GetVpIndex(vcpu));
        }
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(3, 3)]
    [InlineData(4, -1)]
    [InlineData(-5, -1)]
    public void IdentityMapsIndicesBelowTheCount(int vp, int vcpu)
    {
        VpIndexMap map = VpIndexMap.Identity(4);

        Assert.True(map.IsIdentity);
        Assert.Equal(vcpu, map.GetVcpuIndex(vp));
        Assert.Equal("identity(4)", map.ToString());
    }

    [Fact]
    public void AnIdentityTableIsIdentity()
    {
        Assert.True(VpIndexMap.FromVpIndices([0, 1, 2]).IsIdentity);
        Assert.Equal("0,1,65,130,4095", VpIndexMap.FromVpIndices([0, 1, 65, 130, 4095]).ToString());
    }

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 0, 0 })]
    [InlineData(new[] { 0, 4096 })]
    [InlineData(new[] { -1 })]
    public void BadTablesThrow(int[] vps)
    {
        Assert.Throws<ArgumentException>(() => VpIndexMap.FromVpIndices(vps));
    }

    [Fact]
    public void GetVpIndexRejectsUnknownVcpus()
    {
        VpIndexMap map = VpIndexMap.FromVpIndices([5, 6]);

        Assert.Throws<ArgumentOutOfRangeException>(() => map.GetVpIndex(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => VpIndexMap.Identity(2).GetVpIndex(-1));
    }

    [Fact]
    public void FlushRequestAddAndEnumerate()
    {
        TlbFlushRequest set = default;
        set.Vcpus.Add(4095);
        set.Vcpus.Add(0);
        set.Vcpus.Add(64);
        var seen = new List<int>();
        foreach (int vcpu in set.TargetsIn(4096))
        {
            seen.Add(vcpu);
        }

        Assert.Equal([0, 64, 4095], seen);
        Assert.Equal(2, set.CountIn(65)); // vCPUs the machine lacks are not targets
        Assert.Equal("{0,64,4095}", set.ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => TlbFlushRequest.For(4096));
    }

    public static TheoryData<ulong, bool, ulong, uint> RangeCases() => new()
    {
        // raw entry, extended, first page, 4 KiB pages
        { HvGvaRange.CreateBasic(0x12345, 0).Value, false, 0x12345, 1 },
        { HvGvaRange.CreateBasic(0x12345, 0xFFF).Value, false, 0x12345, 4096 },
        { HvGvaRange.CreateExtended(0x12345, 0x7FF).Value, true, 0x12345, 2048 },
        { HvGvaRange.CreateExtendedLarge(1, false, 0).Value, true, 0x200, 512 },
        { HvGvaRange.CreateExtendedLarge(3, false, 2).Value, true, 0x600, 1536 },
        { HvGvaRange.CreateExtendedLarge(512, true, 0).Value, true, 0x40000, 262144 },
        { HvGvaRange.CreateExtendedLarge(512, true, 0x7FF).Value, true, 0x40000, 2048u * 262144 },
        { 0xFFFF_FFFF_FFFF_FFFF, false, 0xF_FFFF_FFFF_FFFF, 4096 },
    };

    [Theory]
    [MemberData(nameof(RangeCases))]
    public void GvaRangesDecodeToSmallPages(ulong raw, bool extended, ulong firstPage, uint pages)
    {
        new HvGvaRange(raw).Decode(extended, out ulong baseAddress, out ulong pageSize, out int pageCount);

        Assert.Equal(firstPage, baseAddress >> 12);
        Assert.Equal(pages, (ulong)pageCount * (pageSize >> 12));
        Assert.Equal(firstPage << 12, baseAddress);
    }
}

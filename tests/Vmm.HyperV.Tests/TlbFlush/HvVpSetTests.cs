using System.Buffers.Binary;
using Vmm.Core.TlbFlush;
using Vmm.Core.Vcpu;
using Vmm.HyperV.TlbFlush;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Tests.TlbFlush;

public sealed class HvVpSetTests
{
    private const ulong B63 = 1UL << 63;

    public static TheoryData<string, ulong, ulong, ulong[], HvStatus, int[]> SparseCases() => new()
    {
        // name, format, ValidBanksMask, banks, status, VP indices (null-like: empty for errors)
        { "empty mask, no banks", 0, 0, [], HvStatus.Success, [] },
        { "bank 0", 0, 1, [0b1011], HvStatus.Success, [0, 1, 3] },
        { "bank 0 full", 0, 1, [ulong.MaxValue], HvStatus.Success, Enumerable.Range(0, 64).ToArray() },
        { "bank 1 bit 1 = VP 65", 0, 0b10, [0b10], HvStatus.Success, [65] },
        { "bank 63 bit 63 = VP 4095", 0, B63, [B63], HvStatus.Success, [4095] },
        { "banks 0, 1, 63 packed in order", 0, 0b11 | B63, [1, 1, B63], HvStatus.Success, [0, 64, 4095] },
        { "facts example VPs 0, 5, 130", 0, 0b101, [0x21, 0x4], HvStatus.Success, [0, 5, 130] },
        { "empty banks allowed", 0, 0b111, [0, 0, 0], HvStatus.Success, [] },
        { "all 64 banks", 0, ulong.MaxValue, Enumerable.Repeat(1UL, 64).ToArray(), HvStatus.Success, Enumerable.Range(0, 64).Select(b => b * 64).ToArray() },
        { "fewer banks than mask bits", 0, 0b11, [1], HvStatus.InvalidHypercallInput, [] },
        { "more banks than mask bits", 0, 0b1, [1, 1], HvStatus.InvalidHypercallInput, [] },
        { "banks without mask bits", 0, 0, [1], HvStatus.InvalidHypercallInput, [] },
        { "mask bits without banks", 0, B63, [], HvStatus.InvalidHypercallInput, [] },
        { "65 banks for 64 mask bits", 0, ulong.MaxValue, new ulong[65], HvStatus.InvalidHypercallInput, [] },
        { "unknown format 2", 2, 1, [1], HvStatus.InvalidParameter, [] },
        { "unknown format all ones", ulong.MaxValue, 0, [], HvStatus.InvalidParameter, [] },
    };

    [Theory]
    [MemberData(nameof(SparseCases))]
    public void ParsesSparseSets(string name, ulong format, ulong mask, ulong[] banks, HvStatus status, int[] vps)
    {
        _ = name;
        HvStatus actual = HvVpSet.TryParse(format, mask, Bytes(banks), out HvVpSet set);

        Assert.Equal(status, actual);
        Assert.False(set.IsAll);
        Assert.Equal(vps, Indices(set));
    }

    [Theory]
    [InlineData(0UL, 0)]
    [InlineData(0b101UL, 1)]
    [InlineData(ulong.MaxValue, 3)]
    public void SetAllIgnoresMaskAndBanks(ulong mask, int bankCount)
    {
        HvStatus status = HvVpSet.TryParse((ulong)HvGenericSetFormat.All, mask, Bytes(new ulong[bankCount]), out HvVpSet set);

        Assert.Equal(HvStatus.Success, status);
        Assert.True(set.IsAll);
        Assert.True(set.Contains(4095));
        Assert.False(set.Contains(4096));
    }

    [Fact]
    public void ParsesFromTheHeaderBytes()
    {
        byte[] header = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(8), 0b100);
        HvStatus status = HvVpSet.TryParse(header, Bytes([0b1]), out HvVpSet set);

        Assert.Equal(HvStatus.Success, status);
        Assert.Equal([128], Indices(set));
        Assert.Equal(HvStatus.InvalidHypercallInput, HvVpSet.TryParse(header.AsSpan(0, 8), default, out _));
    }

    [Fact]
    public void BankBytesMustBeWholeQwords()
    {
        Assert.Equal(HvStatus.InvalidHypercallInput, HvVpSet.TryParse(0, 1, new byte[12], out _));
    }

    [Theory]
    [InlineData(0UL, new int[0])]
    [InlineData(1UL, new[] { 0 })]
    [InlineData(0x51UL, new[] { 0, 4, 6 })]
    [InlineData(0x8000_0000_0000_0001UL, new[] { 0, 63 })]
    public void ProcessorMaskIsBankZero(ulong mask, int[] vps)
    {
        HvVpSet set = HvVpSet.FromProcessorMask(mask);

        Assert.False(set.IsAll);
        Assert.Equal(vps, Indices(set));
    }

    public static TheoryData<string, int[], int[]> MappingCases() => new()
    {
        // name, VP indices in the set, expected vCPUs with the map 0,1,65,130,4095
        { "identity part", [0, 1], [0, 1] },
        { "sparse VPs to dense vCPUs", [65, 130, 4095], [2, 3, 4] },
        { "VPs beyond the VM ignored", [2, 64, 66, 129, 131, 4094], [] },
        { "mixed", [1, 2, 4095], [1, 4] },
    };

    [Theory]
    [MemberData(nameof(MappingCases))]
    public void TargetSetMapsVpIndicesToVcpus(string name, int[] vps, int[] vcpus)
    {
        _ = name;
        var words = new ulong[64];
        foreach (int vp in vps)
        {
            words[vp / 64] |= 1UL << (vp % 64);
        }

        ulong mask = 0;
        var banks = new List<ulong>();
        for (int b = 0; b < 64; b++)
        {
            if (words[b] != 0)
            {
                mask |= 1UL << b;
                banks.Add(words[b]);
            }
        }

        Assert.Equal(HvStatus.Success, HvVpSet.TryParse(0, mask, Bytes([.. banks]), out HvVpSet set));
        TlbFlushRequest targets = default;
        set.AddVcpusTo(VpIndexMap.FromVpIndices([0, 1, 65, 130, 4095]), ref targets.Vcpus);

        Assert.False(targets.AllVcpus);
        Assert.Equal(vcpus, Vcpus(targets, 5));
        Assert.Equal(vcpus.Length, targets.CountIn(5));
        Assert.Equal(vcpus.Length == 0, targets.Vcpus.IsEmpty);
    }

    [Fact]
    public void AllVpsMapToAllVcpus()
    {
        VpBitmap vcpus = default;
        HvVpSet.All.AddVcpusTo(VpIndexMap.FromVpIndices([7, 3, 9]), ref vcpus);

        Assert.Equal(3, vcpus.Count);
        Assert.True(vcpus.Contains(2));
        Assert.False(vcpus.Contains(3));

        // The flush handlers send an all-VP set as an all-vCPU request, which covers exactly the machine's vCPUs.
        TlbFlushRequest all = TlbFlushRequest.All;
        Assert.True(all.AllVcpus);
        Assert.Equal([0, 1, 2], Vcpus(all, 3));
        Assert.Equal(3, all.CountIn(3));
        Assert.Equal("all", all.ToString());
    }

    private static byte[] Bytes(ulong[] qwords)
    {
        var bytes = new byte[qwords.Length * 8];
        for (int i = 0; i < qwords.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i * 8), qwords[i]);
        }

        return bytes;
    }

    private static int[] Indices(in HvVpSet set)
    {
        var list = new List<int>();
        foreach (int vp in set.VpIndices)
        {
            list.Add(vp);
        }

        return [.. list];
    }

    private static int[] Vcpus(in TlbFlushRequest targets, int vcpuCount)
    {
        var list = new List<int>();
        foreach (int vcpu in targets.TargetsIn(vcpuCount))
        {
            list.Add(vcpu);
        }

        return [.. list];
    }
}

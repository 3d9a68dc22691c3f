using Vmm.HyperV.Tlfs;
using Xunit;

namespace Vmm.HyperV.Tests.Tlfs;

public sealed class HvCallCodeInfoTests
{
    [Theory]
    [InlineData(0x0002, "HvCallFlushVirtualAddressSpace", false, false)]
    [InlineData(0x0003, "HvCallFlushVirtualAddressList", true, false)]
    [InlineData(0x0008, "HvCallNotifyLongSpinWait", false, false)]
    [InlineData(0x000B, "HvCallSendSyntheticClusterIpi", false, false)]
    [InlineData(0x0013, "HvCallFlushVirtualAddressSpaceEx", false, true)]
    [InlineData(0x0014, "HvCallFlushVirtualAddressListEx", true, true)]
    [InlineData(0x0015, "HvCallSendSyntheticClusterIpiEx", false, true)]
    [InlineData(0x0046, "HvCallGetPartitionId", false, false)]
    [InlineData(0x005C, "HvCallPostMessage", false, false)]
    [InlineData(0x005D, "HvCallSignalEvent", false, false)]
    [InlineData(0x009A, "HvCallGetVpIndexFromApicId", true, false)]
    [InlineData(0x8001, "HvExtCallQueryCapabilities", false, false)]
    public void DescribesTheShapeOfKnownCalls(int code, string name, bool isRep, bool hasVariableHeader)
    {
        Assert.True(HvCallCodeInfo.TryGet((HvCallCode)code, out HvCallCodeInfo info));

        Assert.Equal(name, info.Name);
        Assert.Equal(isRep, info.IsRep);
        Assert.Equal(hasVariableHeader, info.HasVariableHeader);
        Assert.Equal(code >= 0x8001, info.IsExtended);
    }

    [Theory]
    [InlineData(0x0000)]
    [InlineData(0x0004)]
    [InlineData(0x0016)]
    [InlineData(0x8000)]
    [InlineData(0xFFFF)]
    public void UnknownCodesAreNotRecognised(int code)
    {
        Assert.False(HvCallCodeInfo.TryGet((HvCallCode)code, out _));
        Assert.Equal($"HvCall0x{code:X4}", HvCallCodeInfo.NameOf((HvCallCode)code));
    }

    [Fact]
    public void EveryEnumMemberHasItsOwnNameAsTlfsName()
    {
        Assert.Equal(Enum.GetValues<HvCallCode>().Length, HvCallCodeInfo.All.Count);
        foreach (HvCallCodeInfo info in HvCallCodeInfo.All)
        {
            Assert.Equal(info.Code.ToString(), info.Name);
        }
    }
}

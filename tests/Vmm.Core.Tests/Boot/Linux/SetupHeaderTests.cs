using System.Buffers.Binary;
using Vmm.Core.Boot.Elf;
using Vmm.Core.Boot.Linux;

namespace Vmm.Core.Tests.Boot.Linux;

public sealed class SetupHeaderTests
{
    public static TheoryData<string, Func<byte[]>, string> Malformed => new()
    {
        { "truncated before the magic", () => TestBzImage.Build()[..0x1F0], "truncated bzImage" },
        { "truncated inside the header", () => TestBzImage.Build()[..0x240], "ends inside the setup header" },
        { "bad boot_flag", () => TestBzImage.Build(f => f[0x1FE] = 0), "boot_flag at 0x1FE is 0xAA00" },
        { "no HdrS", () => TestBzImage.Build(f => f[0x202] = (byte)'X'), "no \"HdrS\" magic" },
        { "protocol 2.11", () => TestBzImage.Build(f => BinaryPrimitives.WriteUInt16LittleEndian(f[0x206..], 0x020B)), "boot protocol 2.11 is too old" },
        { "header ends before init_size", () => TestBzImage.Build(f => f[0x201] = 0x40), "setup header ends at 0x242" },
        { "zImage", () => TestBzImage.Build(f => f[0x211] = 0), "LOADED_HIGH is clear" },
        { "no 64-bit entry", () => TestBzImage.Build(f => BinaryPrimitives.WriteUInt16LittleEndian(f[0x236..], 0x7E)), "no 64-bit entry point" },
        { "setup_sects past the end", () => TestBzImage.Build(f => f[0x1F1] = 200), "setup_sects 200 puts the protected-mode kernel at 0x19200" },
        { "protected-mode part without the 64-bit entry", () => TestBzImage.Build()[..(TestBzImage.ProtectedModeOffset + 0x100)], "ends before the 64-bit entry" },
        { "init_size smaller than the kernel", () => TestBzImage.Build(f => BinaryPrimitives.WriteUInt32LittleEndian(f[0x260..], 0x1000)), "init_size 0x1000 is smaller" },
        { "payload past the kernel", () => TestBzImage.Build(f => BinaryPrimitives.WriteUInt32LittleEndian(f[0x24C..], 0x1F00)), "payload (payload_offset 0x2CC, payload_length 0x1F00) runs past" },
    };

    [Fact]
    public void ParsesTheFieldsOfDebian61sSetupHeader()
    {
        SetupHeader h = SetupHeader.Parse(TestBzImage.Build());
        Assert.Equal(39, h.SetupSectors);
        Assert.Equal(0x5000, h.ProtectedModeOffset);
        Assert.Equal(0x020F, h.Version);
        Assert.Equal(0x26C, h.End);
        Assert.Equal(0x7FFF_FFFFu, h.InitrdAddrMax);
        Assert.Equal(0x20_0000u, h.KernelAlignment);
        Assert.True(h.Relocatable);
        Assert.Equal(0x7F, h.XLoadFlags);
        Assert.Equal(0x7FFu, h.CmdlineSize);
        Assert.Equal(0x2CCu, h.PayloadOffset);
        Assert.Equal(0x100u, h.PayloadLength);
        Assert.Equal(0x100_0000UL, h.PrefAddress);
        Assert.Equal(0x3F9_8000u, h.InitSize);
        Assert.Equal(TestBzImage.ProtectedModeSize, h.ProtectedModeSize);
    }

    [Fact]
    public void ZeroSetupSectsMeansFour()
    {
        byte[] image = TestBzImage.Build(f => f[0x1F1] = 0);
        Assert.Equal(0xA00, SetupHeader.Parse(image).ProtectedModeOffset);
    }

    [Fact]
    public void ProtocolTwoTwelveIsTheOldestAccepted()
    {
        Assert.Equal(0x020C, SetupHeader.Parse(TestBzImage.Build(f => BinaryPrimitives.WriteUInt16LittleEndian(f[0x206..], 0x020C))).Version);
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void RefusesAMalformedImageWithOneLineNamingTheProblem(string what, Func<byte[]> image, string expected)
    {
        var e = Assert.Throws<KernelLoadException>(() => SetupHeader.Parse(image()));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(string.IsNullOrEmpty(what));
    }
}

using System.Buffers.Binary;
using Vmm.Core.Boot.Linux;

namespace Vmm.Core.Tests.Boot.Linux;

public sealed class BootParamsTests
{
    private static readonly IReadOnlyList<E820Entry> Map = E820Map.Build([(0, 256UL << 20)]);

    [Fact]
    public void CopiesExactlyTheSetupHeaderSliceAndNeverTheSentinel()
    {
        byte[] image = TestBzImage.Build();
        byte[] page = BootParams.Build(image.AsSpan(0x1F1, 0x26C - 0x1F1), 0x2_1000, 0, 0, Map);
        Assert.Equal(0, page[0x1EF]);                                        // sentinel stays 0 although the image has 0xFF
        Assert.Equal(image.AsSpan(0x1F1, 0x210 - 0x1F1).ToArray(), page.AsSpan(0x1F1, 0x210 - 0x1F1).ToArray());
        Assert.Equal(image.AsSpan(0x22C, 0x26C - 0x22C).ToArray(), page.AsSpan(0x22C, 0x26C - 0x22C).ToArray());
        Assert.All(page.AsSpan(0x26C, 0x290 - 0x26C).ToArray(), b => Assert.Equal(0, b));   // past the header: not copied
        Assert.All(page.AsSpan(0, 0x1E8).ToArray(), b => Assert.Equal(0, b));                // screen_info etc. zero
    }

    [Fact]
    public void WritesLoaderTypeCommandLineInitrdAndTheirHighHalves()
    {
        byte[] page = BootParams.Build(TestBzImage.Build().AsSpan(0x1F1, 0x26C - 0x1F1), 0x1_2345_6000, 0x2_0000_1000, 0x3_0000_2000, Map);
        Assert.Equal(0xFF, page[0x210]);                                                       // type_of_loader
        Assert.Equal(0x2345_6000u, BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(0x228)));   // cmd_line_ptr
        Assert.Equal(0x1u, BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(0x0C8)));           // ext_cmd_line_ptr
        Assert.Equal(0x1000u, BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(0x218)));        // ramdisk_image
        Assert.Equal(0x2u, BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(0x0C0)));           // ext_ramdisk_image
        Assert.Equal(0x2000u, BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(0x21C)));        // ramdisk_size
        Assert.Equal(0x3u, BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(0x0C4)));           // ext_ramdisk_size
    }

    [Fact]
    public void EncodesTheE820TableAtItsOffsets()
    {
        byte[] page = BootParams.Build([], 0x2_1000, 0, 0, Map);
        Assert.Equal(Map.Count, page[0x1E8]);
        for (int i = 0; i < Map.Count; i++)
        {
            ReadOnlySpan<byte> e = page.AsSpan(0x2D0 + (20 * i), 20);
            Assert.Equal(Map[i].Address, BinaryPrimitives.ReadUInt64LittleEndian(e));
            Assert.Equal(Map[i].Size, BinaryPrimitives.ReadUInt64LittleEndian(e[8..]));
            Assert.Equal((uint)Map[i].Type, BinaryPrimitives.ReadUInt32LittleEndian(e[16..]));
        }
    }

    [Fact]
    public void MakesUpAMinimalHeaderForAVmlinux()
    {
        byte[] page = BootParams.Build([], 0x2_1000, 0, 0, Map);
        Assert.Equal(0xAA55, BinaryPrimitives.ReadUInt16LittleEndian(page.AsSpan(0x1FE)));
        Assert.Equal("HdrS"u8.ToArray(), page.AsSpan(0x202, 4).ToArray());
        Assert.Equal(0x020C, BinaryPrimitives.ReadUInt16LittleEndian(page.AsSpan(0x206)));
        Assert.Equal(0xFF, page[0x210]);
        Assert.Equal(2047u, BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(0x238)));
        Assert.Equal(0x100_0000u, BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(0x230)));
    }
}

using Vmm.Core.Memory;
using Xunit;

namespace Vmm.Core.Tests.Memory;

public sealed class GuestMemoryTests
{
    private const ulong Page = 0x1000;

    // The last page-aligned region that does not reach 2^64: [2^64 - 2 pages, 2^64 - 1 page).
    private const ulong TopRegionBase = 0xFFFF_FFFF_FFFF_E000;

    [Fact]
    public void FreshMemoryReadsAsZero()
    {
        using GuestMemory memory = GuestMemory.CreateNative(4 * Page);
        byte[] data = new byte[4 * (int)Page];
        data.AsSpan().Fill(0xCC);

        Assert.True(memory.TryRead(0, data));

        Assert.All(data, b => Assert.Equal(0, b));
    }

    [Theory]
    [InlineData(0UL, 1)]
    [InlineData(0x123UL, 17)]
    [InlineData(0xFF8UL, 16)] // crosses a page boundary inside one region
    [InlineData(0UL, 0x4000)] // the whole of RAM
    public void BytesRoundTrip(ulong gpa, int length)
    {
        using GuestMemory memory = GuestMemory.CreateNative(4 * Page);
        byte[] written = Pattern(length);
        byte[] read = new byte[length];

        Assert.True(memory.TryWrite(gpa, written));
        Assert.True(memory.TryRead(gpa, read));

        Assert.Equal(written, read);
    }

    [Fact]
    public void TypedValuesRoundTripLittleEndian()
    {
        using GuestMemory memory = GuestMemory.CreateNative(Page);

        memory.Write(0x100, 0x0807_0605_0403_0201UL);
        Assert.True(memory.TryWrite(0x200, (ushort)0xBEEF));

        Assert.Equal(0x0807_0605_0403_0201UL, memory.Read<ulong>(0x100));
        Assert.Equal(0x0403_0201U, memory.Read<uint>(0x100));
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], memory.GetSpan(0x100, 8).ToArray());
        Assert.True(memory.TryRead(0x200, out ushort value));
        Assert.Equal(0xBEEF, value);
    }

    [Fact]
    public void SpanAliasesGuestMemory()
    {
        using GuestMemory memory = GuestMemory.CreateNative(Page);

        Assert.True(memory.TryGetSpan(0x40, 4, out Span<byte> span));
        span[2] = 0x99;

        Assert.Equal(0x99, memory.Read<byte>(0x42));
    }

    [Theory]
    [InlineData(0x3FFFUL, 1)] // the last byte
    [InlineData(0x3FF8UL, 8)] // ends on the last byte
    public void AccessEndingOnLastByteSucceeds(ulong gpa, int length)
    {
        using GuestMemory memory = GuestMemory.CreateNative(4 * Page);
        byte[] data = Pattern(length);

        Assert.True(memory.TryWrite(gpa, data));
        Assert.True(memory.TryRead(gpa, data));
        Assert.True(memory.TryGetSpan(gpa, length, out Span<byte> span));
        Assert.Equal(length, span.Length);
    }

    [Fact]
    public void EmptyAccessSucceedsOnlyAtAnAddressInRam()
    {
        using GuestMemory memory = GuestMemory.CreateNative(4 * Page);

        Assert.True(memory.TryRead(0x3FFF, []));
        Assert.True(memory.Contains(0, 0));
        Assert.False(memory.TryRead(0x4000, []));
        Assert.False(memory.Contains(0x5000, 0));
    }

    [Theory]
    [InlineData(0x4000UL, 1)] // one byte past the end
    [InlineData(0x3FFFUL, 2)] // the last byte and one past
    [InlineData(0x3FFCUL, 8)]
    [InlineData(0UL, 0x4001)] // all of RAM and one more
    [InlineData(ulong.MaxValue, 1)]
    public void AccessPastEndFails(ulong gpa, int length)
    {
        using GuestMemory memory = GuestMemory.CreateNative(4 * Page);
        byte[] data = Pattern(length);

        Assert.False(memory.TryWrite(gpa, data));
        Assert.False(memory.TryRead(gpa, data));
        Assert.False(memory.Contains(gpa, (ulong)length));
        Assert.False(memory.TryGetSpan(gpa, length, out Span<byte> span));
        Assert.True(span.IsEmpty);
    }

    [Fact]
    public void FailedWriteChangesNothing()
    {
        using GuestMemory memory = GuestMemory.CreateNative(Page);

        Assert.False(memory.TryWrite(0xFFC, Pattern(8)));

        Assert.Equal(0U, memory.Read<uint>(0xFFC));
    }

    [Fact]
    public void RegionsAreSortedAndSized()
    {
        using GuestMemory memory = ThreeRegions();

        Assert.Equal([0UL, 0x2000UL, 0x10000UL], memory.Regions.Select(r => r.GuestPhysicalAddress));
        Assert.Equal(0x6000UL, memory.TotalSize);
    }

    [Theory]
    [InlineData(0x1FFFUL)] // last byte of the first region
    [InlineData(0x2000UL)] // first byte of the adjacent region
    [InlineData(0x2FFFUL)] // last byte before the hole
    [InlineData(0x10000UL)] // first byte after the hole
    [InlineData(0x12FFFUL)] // last byte of RAM
    public void EachRegionIsReachableUpToItsEdges(ulong gpa)
    {
        using GuestMemory memory = ThreeRegions();

        memory.Write(gpa, (byte)0x7E);

        Assert.Equal(0x7E, memory.Read<byte>(gpa));
    }

    [Fact]
    public void RegionsAreBackedByDistinctMemory()
    {
        using GuestMemory memory = ThreeRegions();

        memory.Write(0x0, 0x1111_1111U);
        memory.Write(0x2000, 0x2222_2222U);
        memory.Write(0x10000, 0x3333_3333U);

        Assert.Equal(0x1111_1111U, memory.Read<uint>(0x0));
        Assert.Equal(0x2222_2222U, memory.Read<uint>(0x2000));
        Assert.Equal(0x3333_3333U, memory.Read<uint>(0x10000));
    }

    [Theory]
    [InlineData(0x1FFFUL, 2)] // adjacent regions: both bytes are RAM, but in two blocks
    [InlineData(0x1000UL, 0x2000)]
    [InlineData(0x2FFFUL, 2)] // runs into the hole
    [InlineData(0x2FFCUL, 0xE008)] // spans the hole into the next region
    [InlineData(0x8000UL, 1)] // inside the hole
    [InlineData(0xFFFFUL, 2)] // starts in the hole
    [InlineData(0x12FFFUL, 2)] // past the last region
    public void AccessCrossingRegionBoundaryOrHoleFails(ulong gpa, int length)
    {
        using GuestMemory memory = ThreeRegions();
        byte[] data = new byte[length];

        Assert.False(memory.TryRead(gpa, data));
        Assert.False(memory.TryWrite(gpa, data));
        Assert.False(memory.Contains(gpa, (ulong)length));
        Assert.Throws<GuestMemoryException>(() => memory.Write(gpa, data));
    }

    [Fact]
    public void RegionBelowTopOfAddressSpaceWorks()
    {
        using var memory = new GuestMemory([new GuestMemoryRegion(TopRegionBase, NativeHostMemoryBlock.Allocate(Page))]);

        memory.Write(TopRegionBase + 0xFF8, 0xA5A5_A5A5_A5A5_A5A5UL);

        Assert.Equal(0xA5A5_A5A5_A5A5_A5A5UL, memory.Read<ulong>(TopRegionBase + 0xFF8));
        Assert.True(memory.Contains(TopRegionBase, Page));
    }

    [Theory]
    [InlineData(TopRegionBase + 0xFFF, ulong.MaxValue)]
    [InlineData(TopRegionBase + 0x1, ulong.MaxValue - 0xFFF)]
    [InlineData(TopRegionBase + 0xFFF, 0x2001UL)] // gpa + length == 2^64 exactly, which wraps to 0
    [InlineData(TopRegionBase, 0x1001UL)]
    public void LengthOverflowingAddressSpaceFails(ulong gpa, ulong length)
    {
        using var memory = new GuestMemory([new GuestMemoryRegion(TopRegionBase, NativeHostMemoryBlock.Allocate(Page))]);

        // A check written as gpa + length <= end would wrap and pass.
        Assert.False(memory.Contains(gpa, length));
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(0x2001)]
    public void SpanLengthOverflowingAddressSpaceFails(int length)
    {
        using var memory = new GuestMemory([new GuestMemoryRegion(TopRegionBase, NativeHostMemoryBlock.Allocate(Page))]);

        Assert.False(memory.TryGetSpan(TopRegionBase + 0xFFF, length, out _));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void NegativeLengthFails(int length)
    {
        using GuestMemory memory = GuestMemory.CreateNative(Page);

        Assert.False(memory.TryGetSpan(0, length, out Span<byte> span));
        Assert.True(span.IsEmpty);
        Assert.Throws<GuestMemoryException>(() => { memory.GetSpan(0, length); });
    }

    [Theory]
    [InlineData(0x0000UL, 0x2000UL, 0x1000UL, 0x1000UL)] // second starts inside the first
    [InlineData(0x1000UL, 0x1000UL, 0x0000UL, 0x2000UL)] // second encloses the first
    [InlineData(0x1000UL, 0x1000UL, 0x1000UL, 0x1000UL)] // identical
    [InlineData(0x0000UL, 0x3000UL, 0x1000UL, 0x1000UL)] // first encloses the second
    public void OverlappingRegionsAreRejected(ulong firstGpa, ulong firstSize, ulong secondGpa, ulong secondSize)
    {
        AssertRejected(new GuestMemoryRegion(firstGpa, NativeHostMemoryBlock.Allocate(firstSize)), new GuestMemoryRegion(secondGpa, NativeHostMemoryBlock.Allocate(secondSize)));
    }

    [Theory]
    [InlineData(0x800UL, 0x1000UL)]  // unaligned address
    [InlineData(0x1001UL, 0x1000UL)]
    [InlineData(0x0UL, 0x1800UL)]    // unaligned size
    [InlineData(0x0UL, 0x1UL)]
    public void UnalignedRegionsAreRejected(ulong gpa, ulong size)
    {
        AssertRejected(new GuestMemoryRegion(gpa, NativeHostMemoryBlock.Allocate(size)));
    }

    [Fact]
    public void RegionEndingAtTopOfAddressSpaceIsRejected()
    {
        // Its end, 2^64, is not representable; Regions[i].End would read as 0.
        AssertRejected(new GuestMemoryRegion(0xFFFF_FFFF_FFFF_F000, NativeHostMemoryBlock.Allocate(Page)));
    }

    [Fact]
    public void EmptyRegionListIsRejected()
    {
        Assert.Throws<ArgumentException>(() => new GuestMemory([]));
    }

    [Fact]
    public void CreateNativeRejectsUnalignedSize()
    {
        Assert.Throws<ArgumentException>(() => GuestMemory.CreateNative(Page + 1));
    }

    [Theory]
    [InlineData(0xFFFF_FFFF_FFFF_F000UL)]
    [InlineData(0xFFFF_FFFF_FFFF_FFFFUL)]
    public void AllocateRejectsSizeWhoseAlignmentPaddingOverflows(ulong size)
    {
        // Allocate adds a page of slack for alignment; that sum must not wrap to a tiny allocation that a
        // block then claims is huge.
        Assert.Throws<ArgumentOutOfRangeException>(() => NativeHostMemoryBlock.Allocate(size));
    }

    [Fact]
    public void AllocateReturnsPageAlignedZeroedMemory()
    {
        using NativeHostMemoryBlock block = NativeHostMemoryBlock.Allocate(3 * Page);

        Assert.Equal(0, block.Address & 0xFFF);
        Assert.Equal(3 * Page, block.Size);
        Assert.Throws<ArgumentOutOfRangeException>(() => NativeHostMemoryBlock.Allocate(0));
    }

    [Fact]
    public void ReadOutsideRamThrowsGuestMemoryException()
    {
        using GuestMemory memory = GuestMemory.CreateNative(Page);

        GuestMemoryException ex = Assert.Throws<GuestMemoryException>(() => memory.Read<ulong>(0xFFC));

        Assert.Equal(0xFFCUL, ex.Address);
        Assert.Equal(8UL, ex.Length);
    }

    [Fact]
    public void TypedAccessOutsideRamFailsOrThrows()
    {
        using GuestMemory memory = GuestMemory.CreateNative(Page);

        Assert.Throws<GuestMemoryException>(() => memory.Read<byte>(Page));
        Assert.Throws<GuestMemoryException>(() => memory.Write(Page - 2, 0U));
        Assert.Throws<GuestMemoryException>(() => { memory.GetSpan(Page, 1); });
        Assert.False(memory.TryRead(Page - 1, out ushort value));
        Assert.Equal(0, value);
        Assert.False(memory.TryWrite(Page - 1, (ushort)1));
    }

    [Fact]
    public void UseAfterDisposeThrows()
    {
        GuestMemory memory = GuestMemory.CreateNative(Page);
        memory.Dispose();

        Assert.Throws<ObjectDisposedException>(() => memory.TryRead(0, new byte[1]));
        Assert.Throws<ObjectDisposedException>(() => memory.TryWrite(0, new byte[1]));
        Assert.Throws<ObjectDisposedException>(() => memory.Read<uint>(0));
        Assert.Throws<ObjectDisposedException>(() => memory.Write(0, 1U));
        Assert.Throws<ObjectDisposedException>(() => memory.Contains(0, 1));
        Assert.Throws<ObjectDisposedException>(() => memory.TryGetSpan(0, 1, out _));
        Assert.Throws<ObjectDisposedException>(() => { memory.GetSpan(0, 1); });
    }

    [Fact]
    public void DisposeReleasesEveryBlockOnce()
    {
        GuestMemory memory = ThreeRegions();
        GuestMemoryRegion[] regions = [.. memory.Regions];

        memory.Dispose();
        memory.Dispose();

        Assert.All(regions, r => Assert.True(r.Block.IsDisposed));
    }

    private static GuestMemory ThreeRegions() =>
        // Given out of order: [0x2000, 0x3000) is adjacent to [0, 0x2000); a hole precedes [0x10000, 0x13000).
        new([
            new GuestMemoryRegion(0x10000, NativeHostMemoryBlock.Allocate(3 * Page)),
            new GuestMemoryRegion(0x0, NativeHostMemoryBlock.Allocate(2 * Page)),
            new GuestMemoryRegion(0x2000, NativeHostMemoryBlock.Allocate(Page)),
        ]);

    private static void AssertRejected(params GuestMemoryRegion[] regions)
    {
        try
        {
            Assert.Throws<ArgumentException>(() => new GuestMemory(regions));
        }
        finally
        {
            // A constructor that throws has not taken ownership, so the blocks are still ours to free.
            foreach (GuestMemoryRegion r in regions)
            {
                r.Block.Dispose();
            }
        }
    }

    private static byte[] Pattern(int length)
    {
        byte[] data = new byte[length];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (byte)(i * 7 + 1);
        }

        return data;
    }
}

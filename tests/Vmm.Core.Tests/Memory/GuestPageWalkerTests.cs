using Vmm.Core.Memory;

namespace Vmm.Core.Tests.Memory;

public sealed class GuestPageWalkerTests
{
    private const ulong Pml4 = 0x1000;
    private const ulong Pdpt = 0x2000;
    private const ulong Pd = 0x3000;
    private const ulong Pt = 0x4000;
    private const ulong Present = 1;
    private const ulong Large = 1 << 7;

    [Fact]
    public void FourKilobyteTwoMegabyteAndOneGigabytePagesTranslate()
    {
        using GuestMemory memory = GuestMemory.CreateNative(8 << 20);
        memory.Write(Pml4, Pdpt | Present);                        // PML4[0]
        memory.Write(Pdpt, Pd | Present);                          // PDPT[0] → PD
        memory.Write(Pdpt + (1 * 8), 0x4000_0000UL | Present | Large); // PDPT[1]: 1 GiB page at 1 GiB
        memory.Write(Pd, Pt | Present);                            // PD[0] → PT
        memory.Write(Pd + (1 * 8), 0x40_0000UL | Present | Large); // PD[1]: 2 MiB page at 4 MiB
        memory.Write(Pt + (5 * 8), 0x7000UL | Present);            // PT[5]: 0x5000 → 0x7000

        Assert.True(GuestPageWalker.TryTranslate(memory, Pml4, 0x5123, out ulong small));
        Assert.Equal(0x7123UL, small);
        Assert.True(GuestPageWalker.TryTranslate(memory, Pml4, 0x20_1234, out ulong twoMeg));
        Assert.Equal(0x40_1234UL, twoMeg);
        Assert.True(GuestPageWalker.TryTranslate(memory, Pml4, 0x4123_4567, out ulong oneGig));
        Assert.Equal(0x4123_4567UL, oneGig);

        // Reads cross pages through the walk: 0x5FFC..0x6003 is 4 bytes of the mapped page, then an unmapped one.
        memory.Write(0x7FFC, 0xAABBCCDDu);
        Span<byte> bytes = stackalloc byte[8];
        Assert.Equal(4, GuestPageWalker.Read(memory, Pml4, 0x5FFC, bytes));
        Assert.Equal(0xAABBCCDDu, BitConverter.ToUInt32(bytes));
    }

    [Fact]
    public void NotPresentOutsideRamAndNonCanonicalAddressesFailWithoutThrowing()
    {
        using GuestMemory memory = GuestMemory.CreateNative(1 << 20);
        memory.Write(Pml4, Pdpt | Present);
        memory.Write(Pdpt, 0xFFFF_F000UL | Present);               // PDPT[0] → a table outside RAM

        Assert.False(GuestPageWalker.TryTranslate(memory, Pml4, 0x5000, out _));           // table not RAM
        Assert.False(GuestPageWalker.TryTranslate(memory, Pml4, 0x80_0000_0000, out _));   // PML4[1] not present
        Assert.False(GuestPageWalker.TryTranslate(memory, Pml4, 0x0000_8000_0000_0000, out _)); // not canonical
        Assert.False(GuestPageWalker.TryTranslate(memory, 0xFFFF_0000_0000, 0x5000, out _)); // CR3 outside RAM
        Assert.Equal(0, GuestPageWalker.Read(memory, Pml4, 0x5000, new byte[16]));
    }
}

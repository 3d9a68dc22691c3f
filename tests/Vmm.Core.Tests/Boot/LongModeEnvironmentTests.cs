using Vmm.Core.Boot.X86;
using Vmm.Core.Devices;
using Vmm.Core.Memory;
using Vmm.Core.Registers;

namespace Vmm.Core.Tests.Boot;

public sealed class LongModeEnvironmentTests
{
    private const ulong Memory = 64UL << 20;

    [Theory]
    [InlineData(0x0UL)]
    [InlineData(0x20_0000UL)]
    [InlineData(0x3FFF_FFFFUL)]
    [InlineData(0xFEE0_0000UL)]
    [InlineData(0xFFFF_FFFFUL)]
    public void PageTablesIdentityMapTheFirstFourGigabytesWithUserAccessible2MiBPages(ulong address)
    {
        using GuestMemory memory = GuestMemory.CreateNative(Memory);
        LongModeEnvironment.Build(memory, 1);
        ulong pml4e = memory.Read<ulong>(LongModeLayout.Pml4 + (((address >> 39) & 0x1FF) * 8));
        ulong pdpte = memory.Read<ulong>((pml4e & ~0xFFFUL) + (((address >> 30) & 0x1FF) * 8));
        ulong pde = memory.Read<ulong>((pdpte & ~0xFFFUL) + (((address >> 21) & 0x1FF) * 8));
        Assert.Equal(0x7UL, pml4e & 0x7);
        Assert.Equal(0x7UL, pdpte & 0x7);
        Assert.Equal(0x87UL, pde & 0xFFF);                            // P | RW | US | PS
        Assert.Equal(address & ~0x1F_FFFFUL, pde & ~0xFFFUL);
    }

    [Fact]
    public void EveryVcpuGetsItsOwnTssWithTheKernelStackAsRsp0()
    {
        using GuestMemory memory = GuestMemory.CreateNative(Memory);
        LongModeEnvironment.Build(memory, 4);
        for (int i = 0; i < 4; i++)
        {
            ulong descriptor = memory.Read<ulong>(LongModeLayout.Gdt + LongModeLayout.TssSelector(i));
            ulong high = memory.Read<ulong>(LongModeLayout.Gdt + LongModeLayout.TssSelector(i) + 8UL);
            ulong tssBase = ((descriptor >> 16) & 0xFF_FFFF) | (((descriptor >> 56) & 0xFF) << 24) | (high << 32);
            Assert.Equal(LongModeLayout.TssAddress(i), tssBase);
            Assert.Equal(0x8BUL, (descriptor >> 40) & 0xFF);              // present, 64-bit TSS (busy)
            Assert.Equal(LongModeLayout.KernelStackTop(Memory, i), memory.Read<ulong>(tssBase + 4));
            Assert.Equal(LongModeLayout.DoubleFaultStackTop(Memory, i), memory.Read<ulong>(tssBase + 0x24)); // IST1
        }
    }

    [Fact]
    public void OnlyTheDoubleFaultGateRunsOnItsOwnStackEvenWhenAGuestReplacesIt()
    {
        using GuestMemory memory = GuestMemory.CreateNative(Memory);
        var env = LongModeEnvironment.Build(memory, 2);
        env.SetInterruptGate(8, 0x10_2080);
        env.SetInterruptGate(14, 0x10_20E0);
        for (int v = 0; v < 256; v++)
        {
            ulong ist = (memory.Read<ulong>(LongModeLayout.Idt + ((ulong)v * 16)) >> 32) & 0x7;
            Assert.True(ist == (v == 8 ? 1UL : 0UL), $"vector {v}: IST {ist}");
        }

        // The double-fault stack is the bottom of the vCPU's stack block, below its user stack, inside RAM.
        for (int i = 0; i < 2; i++)
        {
            ulong top = LongModeLayout.DoubleFaultStackTop(Memory, i);
            Assert.Equal(LongModeLayout.KernelStackTop(Memory, i) - LongModeLayout.StackBlockSize + 0x800, top);
            Assert.True(top < LongModeLayout.UserStackTop(Memory, i));
            Assert.Equal(0UL, top % 16);
        }
    }

    [Fact]
    public void BootStateFollowsTheDocumentedEntryProtocol()
    {
        using GuestMemory memory = GuestMemory.CreateNative(Memory);
        var env = LongModeEnvironment.Build(memory, 3);
        VcpuBootState s = env.GetBootState(2, 0x10_0000, default);
        Assert.Equal(0x10_0000UL, s.Registers.Rip);
        Assert.Equal(2UL, s.Registers.Rdi);
        Assert.Equal(3UL, s.Registers.Rsi);
        Assert.Equal((ulong)StandardPorts.Com1, s.Registers.Rdx);
        Assert.Equal((ulong)StandardPorts.GuestExit, s.Registers.Rcx);
        Assert.Equal(LongModeLayout.KernelStackTop(Memory, 2), s.Registers.Rsp);
        Assert.Equal(LongModeLayout.UserStackTop(Memory, 2), s.Registers.R8);
        Assert.Equal(0UL, s.Registers.Rsp % 16);
        Assert.Equal(0x2UL, s.Registers.Rflags);
        Assert.Equal(0, s.Special.Cpl);
        Assert.True(s.Special.Cs.Long);
        Assert.Equal(0x8005_0033UL, s.Special.Cr0);
        Assert.Equal(0x6A0UL, s.Special.Cr4);
        Assert.Equal(0x500UL, s.Special.Efer);
        Assert.Equal(LongModeLayout.Pml4, s.Special.Cr3);
        Assert.Equal(LongModeLayout.TssSelector(2), s.Special.Tr.Selector);
    }

    [Fact]
    public void DefaultStubsReportTheirVectorThroughTheExitPort()
    {
        using GuestMemory memory = GuestMemory.CreateNative(Memory);
        LongModeEnvironment.Build(memory, 1);
        Span<byte> stub = memory.GetSpan(LongModeLayout.InterruptStubs + (14 * 16), 16);
        Assert.Equal(0xB8, stub[0]);                                     // mov eax, 0xE000000E
        Assert.Equal(GuestExitStatus.UnexpectedVectorBase | 14, BitConverter.ToUInt32(stub[1..5]));
        Assert.Equal(StandardPorts.GuestExit, BitConverter.ToUInt16(stub[7..9]));
        Assert.Equal(0xEF, stub[9]);                                     // out dx, eax
    }

    [Fact]
    public void TooLittleMemoryOrTooManyVcpusIsRejected()
    {
        using GuestMemory small = GuestMemory.CreateNative(8UL << 20);
        Assert.Throws<ArgumentException>(() => LongModeEnvironment.Build(small, 1));
        using GuestMemory memory = GuestMemory.CreateNative(Memory);
        Assert.Throws<ArgumentOutOfRangeException>(() => LongModeEnvironment.Build(memory, LongModeLayout.MaxProcessors + 1));
    }

    [Theory]
    [InlineData(0u, "pass")]
    [InlineData(7u, "fail (status 7)")]
    [InlineData(0xE000_000Du, "unexpected #GP (vector 13) in the guest")]
    [InlineData(0xE000_0030u, "unexpected interrupt (vector 48) in the guest")]
    public void GuestExitStatusIsDescribedForPeople(uint status, string text) =>
        Assert.Equal(text, GuestExitStatus.Describe(status));
}

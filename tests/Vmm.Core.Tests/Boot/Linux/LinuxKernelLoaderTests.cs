using System.Buffers.Binary;
using Vmm.Core.Boot.Elf;
using Vmm.Core.Boot.Linux;
using Vmm.Core.Boot.X86;
using Vmm.Core.Hypervisor;
using Vmm.Core.Boot;
using Vmm.Core.Machine;
using Vmm.Core.Memory;
using Vmm.Core.Registers;
using Vmm.Core.Tests.Boot.Elf;

namespace Vmm.Core.Tests.Boot.Linux;

public sealed class LinuxKernelLoaderTests
{
    private static readonly byte[] XenPvhNote = [0x50, 0x08, 0x00, 0x01];   // Debian 6.1: 0x1000850

    private static byte[] Vmlinux() => new TestElf { Entry = 0x100_0000 }
        .Load(0x100_0000, TestElf.PassCode, memorySize: 0x20_0000, flags: TestElf.PfR | TestElf.PfX)
        .Notes(4, ("Xen", 18, XenPvhNote), ("Linux", 0x100, new byte[4]))
        .Build();

    [Fact]
    public void DetectsBzImagesAndVmlinuxButNotTestKernels()
    {
        Assert.True(LinuxKernelLoader.IsLinuxKernel(TestBzImage.Build()));
        Assert.True(LinuxKernelLoader.IsLinuxKernel(Vmlinux()));
        Assert.False(LinuxKernelLoader.IsLinuxKernel(TestElf.Standard().Build()));
        Assert.False(LinuxKernelLoader.IsLinuxKernel([1, 2, 3]));
    }

    [Fact]
    public void BzImageEntersAtTheProtectedModeKernelPlus0x200AndReservesInitSizeFromItsRuntimeAddress()
    {
        var loader = new LinuxKernelLoader(TestBzImage.Build(), "vmlinuz", null, "console=ttyS0");
        Assert.Equal(LinuxKernelFormat.BzImage, loader.Format);
        Assert.Equal(0x10_0200UL, loader.Entry);
        Assert.Equal(0x10_0000UL, loader.KernelStart);
        Assert.Equal(0x100_0000UL + TestBzImage.InitSize, loader.KernelEnd);
    }

    [Fact]
    public void RefusesACommandLineLongerThanCmdlineSize()
    {
        var e = Assert.Throws<KernelLoadException>(() => new LinuxKernelLoader(TestBzImage.Build(), "vmlinuz", null, new string('x', 0x800)));
        Assert.Contains("longer than the kernel's cmdline_size (2047)", e.Message);
        _ = new LinuxKernelLoader(TestBzImage.Build(), "vmlinuz", null, new string('x', 0x7FF));
    }

    [Fact]
    public void RefusesTooLittleRamForInitSize()
    {
        var loader = new LinuxKernelLoader(TestBzImage.Build(), "vmlinuz", null, null);
        var e = Assert.Throws<KernelLoadException>(() => loader.CheckFits(64UL << 20, 1));
        Assert.Contains("too little RAM for the kernel", e.Message);
        Assert.Contains("init_size 0x3F98000", e.Message);
        loader.CheckFits(96UL << 20, 1);
    }

    [Fact]
    public void RefusesAnInitrdTooBigForRam()
    {
        var loader = new LinuxKernelLoader(TestBzImage.Build(), "vmlinuz", new byte[200 << 20], null);
        Assert.Contains("larger than the guest's RAM", Assert.Throws<KernelLoadException>(() => loader.CheckFits(128UL << 20, 1)).Message);
    }

    [Fact]
    public void RefusesAFileThatIsNeitherFormat() =>
        Assert.Contains("not a Linux kernel", Assert.Throws<KernelLoadException>(() => new LinuxKernelLoader(new byte[4096], "x", null, null)).Message);

    [Fact]
    public void LoadsABzImageWithInitrdCommandLineMpTableAndBootParams()
    {
        byte[] image = TestBzImage.Build();
        byte[] initrd = [.. Enumerable.Range(0, 0x3000).Select(i => (byte)(i * 3))];
        var loader = new LinuxKernelLoader(image, "vmlinuz", initrd, "console=ttyS0 panic=-1");
        using GuestMemory memory = GuestMemory.CreateNative(128UL << 20);
        IGuestBootPlan plan = loader.Load(memory, 4);

        Assert.Equal(image.AsSpan(TestBzImage.ProtectedModeOffset).ToArray(), memory.GetSpan(0x10_0000, TestBzImage.ProtectedModeSize).ToArray());
        Span<byte> zp = memory.GetSpan(LinuxBootLayout.ZeroPage, BootParams.Size);
        Assert.Equal(0, zp[0x1EF]);
        Assert.Equal(0xFF, zp[0x210]);
        ulong cmdline = BinaryPrimitives.ReadUInt32LittleEndian(zp[0x228..]);
        Assert.Equal("console=ttyS0 panic=-1\0"u8.ToArray(), memory.GetSpan(cmdline, 23).ToArray());
        ulong initrdAt = BinaryPrimitives.ReadUInt32LittleEndian(zp[0x218..]);
        Assert.Equal((uint)initrd.Length, BinaryPrimitives.ReadUInt32LittleEndian(zp[0x21C..]));
        Assert.Equal(initrd, memory.GetSpan(initrdAt, initrd.Length).ToArray());
        Assert.True(initrdAt >= loader.KernelEnd);
        Assert.Equal(3, zp[0x1E8]);
        Assert.Equal("_MP_"u8.ToArray(), memory.GetSpan(0x9_FC00, 4).ToArray());

        VcpuBootState bsp = plan.GetBootState(0, default);
        Assert.Equal(0x10_0200UL, bsp.Registers.Rip);
        Assert.Equal(LinuxBootLayout.ZeroPage, bsp.Registers.Rsi);
        Assert.Equal(LinuxBootLayout.BootStackTop, bsp.Registers.Rsp);
        Assert.Contains(bsp.Msrs, m => m.Index == 0x2FF && m.Value == 0x806);
        Assert.Equal(VcpuStartMode.Running, plan.GetStartMode(0));
        Assert.All(Enumerable.Range(1, 3), i => Assert.Equal(VcpuStartMode.WaitForStartup, plan.GetStartMode(i)));
    }

    [Fact]
    public void LoadsAVmlinuxWithAPvhNoteAtItsSegmentsAndEntersAtEEntry()
    {
        var loader = new LinuxKernelLoader(Vmlinux(), "vmlinux", null, "quiet");
        Assert.Equal(LinuxKernelFormat.Vmlinux, loader.Format);
        using GuestMemory memory = GuestMemory.CreateNative(64UL << 20);
        IGuestBootPlan plan = loader.Load(memory, 1);
        Assert.Equal(TestElf.PassCode, memory.GetSpan(0x100_0000, TestElf.PassCode.Length).ToArray());
        Assert.Equal(0x100_0000UL, plan.GetBootState(0, default).Registers.Rip);
        Span<byte> zp = memory.GetSpan(LinuxBootLayout.ZeroPage, BootParams.Size);
        Assert.Equal("HdrS"u8.ToArray(), zp.Slice(0x202, 4).ToArray());
    }

    [Fact]
    public void TheTestKernelLoaderStillRefusesAPvhVmlinux() =>
        Assert.Contains("PVH", Assert.Throws<KernelLoadException>(() => new ElfKernelLoader(Vmlinux(), "vmlinux")).Message);
}

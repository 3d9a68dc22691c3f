using Vmm.Core.Boot.Elf;
using Vmm.Core.Boot.X86;
using Vmm.Core.Devices;
using Vmm.Core.Memory;
using Vmm.Core.Registers;
using static Vmm.Core.Tests.Boot.Elf.TestElf;

namespace Vmm.Core.Tests.Boot.Elf;

public sealed class ElfKernelLoaderTests
{
    private const ulong Memory = 64UL << 20;

    private static readonly byte[] StandardFile = Standard().Build();

    private static readonly byte[] XenPvhNote = [0x00, 0x10, 0x00, 0x01];   // a 32-bit entry, 0x1001000

    /// <summary>Rejected files: what they are, the vCPU count, and a fragment the message must contain.</summary>
    private static readonly Dictionary<string, (Func<byte[]> File, int Cpus, string Expected)> Rejections = new()
    {
        ["empty file"] = (() => [], 1, "not an ELF file (bad magic"),
        ["bad magic"] = (() => With(StandardFile, f => f[1] = (byte)'X'), 1, "not an ELF file (bad magic"),
        ["a script"] = (() => "#!/bin/sh\necho hi\n"u8.ToArray(), 1, "bad magic"),
        ["magic only"] = (() => StandardFile[..4], 1, "truncated ELF header"),
        ["ELF32"] = (() => With(StandardFile, f => f[4] = 1), 1, "ELF32 is not supported: vmm loads ELF64 test kernels"),
        ["ELF32, short"] = (() => With(StandardFile[..52], f => f[4] = 1), 1, "ELF32 is not supported"),
        ["unknown class"] = (() => With(StandardFile, f => f[4] = 7), 1, "unknown ELF class 7"),
        ["truncated header"] = (() => StandardFile[..40], 1, "truncated ELF header: the file is 40 bytes"),
        ["big-endian"] = (() => With(StandardFile, f => f[5] = 2), 1, "big-endian ELF"),
        ["unknown encoding"] = (() => With(StandardFile, f => f[5] = 0), 1, "EI_DATA"),
        ["EI_VERSION 0"] = (() => With(StandardFile, f => f[6] = 0), 1, "EI_VERSION"),
        ["e_version 2"] = (() => With32(StandardFile, EVersion, 2), 1, "unsupported ELF version 2 in e_version"),
        ["i386"] = (() => With16(StandardFile, EMachine, 3), 1, "not x86-64 (e_machine 3"),
        ["AArch64"] = (() => With16(StandardFile, EMachine, 183), 1, "not x86-64 (e_machine 183"),
        ["ET_REL"] = (() => With16(StandardFile, EType, 1), 1, "ET_REL"),
        ["ET_CORE"] = (() => With16(StandardFile, EType, 4), 1, "ET_CORE"),
        ["ET_NONE"] = (() => With16(StandardFile, EType, 0), 1, "not an executable (e_type 0"),
        ["no program headers"] = (() => With16(StandardFile, EPhnum, 0), 1, "no program headers"),
        ["PN_XNUM"] = (() => With16(StandardFile, EPhnum, 0xFFFF), 1, "too many program headers (e_phnum is 0xFFFF"),
        ["129 program headers"] = (() => ManyHeaders(129), 1, "too many program headers (e_phnum is 129"),
        ["e_phentsize 64"] = (() => With16(StandardFile, EPhentsize, 64), 1, "e_phentsize is 64, expected 56"),
        ["program headers cut off"] = (() => StandardFile[..(Phdr(1) + 20)], 1, "truncated program headers: 2 entries at offset 0x40"),
        ["e_phoff past the end"] = (() => With64(StandardFile, EPhoff, 0x10_0000), 1, "truncated program headers"),
        ["e_phoff near 2^64"] = (() => With64(StandardFile, EPhoff, ulong.MaxValue - 8), 1, "truncated program headers"),
        ["segment bytes cut off"] = (() => StandardFile[..(SegmentOffset(StandardFile, 1) + 4)], 1, "segment 1 is truncated: its 0x10 file bytes"),
        ["p_offset near 2^64"] = (() => With64(StandardFile, Phdr(0) + POffset, ulong.MaxValue), 1, "segment 0 is truncated"),
        ["p_filesz near 2^64"] = (() => With64(StandardFile, Phdr(0) + PFilesz, ulong.MaxValue), 1, "p_filesz 0xFFFFFFFFFFFFFFFF is larger than p_memsz 0xB"),
        ["p_filesz > p_memsz"] = (() => With64(StandardFile, Phdr(1) + PMemsz, 8), 1, "segment 1: p_filesz 0x10 is larger than p_memsz 0x8"),
        ["segment wraps 2^64"] = (() => With64(StandardFile, Phdr(1) + PPaddr, 0xFFFF_FFFF_FFFF_F000), 1, "runs past the end of the 64-bit address space"),
        ["segments overlap"] = (() => With64(StandardFile, Phdr(1) + PPaddr, 0x20_0008), 1, "segments 0 (physical 0x200000-0x20000A) and 1 (physical 0x200008-0x203007) overlap"),
        ["no PT_LOAD"] = (() => new TestElf { Entry = 0x20_0000 }.Raw(PtGnuStack, []).Build(), 1, "no loadable segments"),
        ["only empty PT_LOADs"] = (() => new TestElf { Entry = 0x20_0000 }.Load(0x20_0000, []).Build(), 1, "no loadable segments"),
        ["entry outside"] = (() => With64(StandardFile, EEntry, 0x123), 1, "entry 0x123 (e_entry) is not inside any loadable segment"),
        ["entry just past a segment"] = (() => With64(StandardFile, EEntry, 0x20_4000), 1, "entry 0x204000 (e_entry) is not inside"),
        ["entry at the virtual address"] = (() => new TestElf { Entry = 0xFFFF_FFFF_8000_0000 }
            .Load(0x20_0000, PassCode, virtualAddress: 0xFFFF_FFFF_8000_0000).Build(), 1, "is not inside any loadable segment"),
        ["PVH note"] = (() => Standard().Notes(4, ("Xen", 18, XenPvhNote)).Build(), 1, "PVH"),
        ["PVH note after others, 8-aligned"] = (() => Standard().Notes(8, ("GNU", 3, new byte[20]), ("Xen", 18, XenPvhNote)).Build(), 1, "segment 2 has a Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)"),
        ["PVH vmlinux-like"] = (() => new TestElf { Entry = 0xFFFF_FFFF_8100_0000 }.Load(0x100_0000, PassCode, virtualAddress: 0xFFFF_FFFF_8100_0000)
            .Notes(4, ("Xen", 18, XenPvhNote)).Build(), 1, "booted differently"),
        ["note sizes past the segment"] = (() => With32(Standard().Notes(4, ("GNU", 3, new byte[20])).Build(), NoteAt(2), 0xFFFF_FFFF), 1, "segment 2: malformed note"),
        ["note descriptor past the segment"] = (() => With32(Standard().Notes(4, ("GNU", 3, new byte[20])).Build(), NoteAt(2) + 4, 0x7FFF_FFF0), 1, "malformed note"),
        ["note bytes past the file"] = (() => With64(Standard().Notes(4, ("GNU", 3, new byte[20])).Build(), Phdr(2) + POffset, 0x1_0000), 1, "segment 2 is truncated"),
        ["PT_INTERP"] = (() => Standard().Raw(PtInterp, "/lib64/ld-linux-x86-64.so.2\0"u8.ToArray()).Build(), 1, "PT_INTERP"),
        ["in the VMM's tables"] = (() => new TestElf { Entry = 0x5000 }.Load(0x5000, new byte[0x2000]).Build(), 1,
            "segment 0 (physical 0x5000-0x6FFF) overlaps the VMM's long-mode tables (below 0x100000)"),
        ["straddles 0x100000"] = (() => new TestElf { Entry = 0x10_0000 }.Load(0xF_F000, new byte[0x2000]).Build(), 1, "long-mode tables"),
        ["ET_DYN linked at 0"] = (() => new TestElf { Type = 3, Entry = 0x1000 }.Load(0, new byte[0x2000]).Build(), 1, "without relocation"),
        ["beyond RAM"] = (() => new TestElf { Entry = 0x20_0000 }.Load(0x20_0000, PassCode).Load(0x3_FFFF_0000, [], memorySize: 0x1_0000).Build(), 1,
            "segment 1 (physical 0x3FFFF0000-0x3FFFFFFFF) ends beyond guest RAM (64 MiB"),
        ["bss beyond RAM"] = (() => With64(StandardFile, Phdr(1) + PMemsz, 0x1_0000_0000), 1, "ends beyond guest RAM"),
        ["over the stacks"] = (() => new TestElf { Entry = 0x20_0000 }.Load(0x20_0000, PassCode).Load(0x3FD_0000, [], memorySize: 0x2_0000).Build(), 4,
            "segment 1 (physical 0x3FD0000-0x3FEFFFF) overlaps the vCPU stacks at the top of RAM (0x3FE0000-0x3FFFFFF: 32 KiB for each of 4 vCPUs)"),
    };

    public static TheoryData<string> RejectionNames => [.. Rejections.Keys];

    [Theory]
    [MemberData(nameof(RejectionNames))]
    public void RejectsWithAMessageNamingTheCause(string name)
    {
        (Func<byte[]> file, int cpus, string expected) = Rejections[name];
        using GuestMemory memory = GuestMemory.CreateNative(Memory);
        KernelLoadException e = Assert.Throws<KernelLoadException>(() => new ElfKernelLoader(file(), "k.elf").Load(memory, cpus));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadsSegmentsAtTheirPhysicalAddressesAndZeroesTheBss()
    {
        using GuestMemory memory = GuestMemory.CreateNative(Memory);
        memory.GetSpan(0, (int)Memory).Fill(0xAA);
        var loader = new ElfKernelLoader(StandardFile, "k.elf");
        loader.Load(memory, 1);

        Assert.Equal(PassCode, memory.GetSpan(0x20_0000, PassCode.Length).ToArray());
        Assert.Equal(0xAA, memory.Read<byte>(0x20_0000 + (ulong)PassCode.Length));   // p_memsz == p_filesz: nothing past it touched
        Assert.Equal(Enumerable.Range(1, 16).Select(i => (byte)i), memory.GetSpan(0x20_1000, 16).ToArray());
        Assert.True(memory.GetSpan(0x20_1010, 0x3000 - 0x10).IndexOfAnyExcept((byte)0) < 0, "the bss is zeroed");
        Assert.Equal(0xAA, memory.Read<byte>(0x20_4000));
        Assert.Equal(0xAA, memory.Read<byte>(0x20_0FFF));
    }

    [Fact]
    public void ExposesTheEntryAndTheLoadedSegments()
    {
        var loader = new ElfKernelLoader(StandardFile, "k.elf");
        Assert.Equal("k.elf", loader.Name);
        Assert.Equal(0x20_0000UL, loader.Entry);
        Assert.False(loader.IsPositionIndependent);
        Assert.Collection(
            loader.Segments,
            s =>
            {
                Assert.Equal((0, 0x20_0000UL, 0xBUL, 0xBUL), (s.Index, s.PhysicalAddress, s.FileSize, s.MemorySize));
                Assert.Equal(ElfSegmentFlags.Read | ElfSegmentFlags.Execute, s.Flags);
                Assert.Equal("segment 0: 0x200000-0x20000A R-X, 0xB bytes (0xB from the file)", s.ToString());
            },
            s =>
            {
                Assert.Equal((1, 0x20_1000UL, 0x10UL, 0x3000UL, 0x20_4000UL), (s.Index, s.PhysicalAddress, s.FileSize, s.MemorySize, s.PhysicalEnd));
                Assert.Equal("RW-", s.Permissions);
            });
    }

    [Fact]
    public void EveryVcpuEntersAtTheEntryFollowingTheDocumentedProtocol()
    {
        const int cpus = 4;
        using GuestMemory memory = GuestMemory.CreateNative(Memory);
        var plan = Assert.IsType<LongModeBootPlan>(new ElfKernelLoader(StandardFile, "k.elf").Load(memory, cpus));
        Assert.Equal(0x20_0000UL, plan.Entry);
        Assert.Equal(cpus, plan.Environment.ProcessorCount);
        for (int i = 0; i < cpus; i++)
        {
            VcpuBootState s = plan.GetBootState(i, default);
            Assert.Equal(0x20_0000UL, s.Registers.Rip);
            Assert.Equal((ulong)i, s.Registers.Rdi);
            Assert.Equal((ulong)cpus, s.Registers.Rsi);
            Assert.Equal((ulong)StandardPorts.Com1, s.Registers.Rdx);
            Assert.Equal((ulong)StandardPorts.GuestExit, s.Registers.Rcx);
            Assert.Equal(LongModeLayout.KernelStackTop(Memory, i), s.Registers.Rsp);
            Assert.Equal(LongModeLayout.UserStackTop(Memory, i), s.Registers.R8);
            Assert.Equal(0, s.Special.Cpl);
            Assert.True(s.Special.Cs.Long);
            Assert.Equal(LongModeLayout.Pml4, s.Special.Cr3);
            Assert.Equal(0x500UL, s.Special.Efer);
            Assert.Equal(LongModeLayout.TssSelector(i), s.Special.Tr.Selector);
        }

        // The environment was built too: the PML4 points at the PDPT, the IDT at the stubs.
        Assert.Equal(LongModeLayout.Pdpt | 0x7, memory.Read<ulong>(LongModeLayout.Pml4));
        Assert.Equal(0xB8, memory.Read<byte>(LongModeLayout.InterruptStubs));
    }

    [Fact]
    public void ARejectedSegmentLeavesTheOthersUnwritten()
    {
        byte[] file = new TestElf { Entry = 0x20_0000 }.Load(0x20_0000, PassCode).Load(0x3_0000_0000, [1, 2, 3]).Build();
        using GuestMemory memory = GuestMemory.CreateNative(Memory);
        memory.GetSpan(0x20_0000, 0x1000).Fill(0xAA);
        Assert.Throws<KernelLoadException>(() => new ElfKernelLoader(file, "k.elf").Load(memory, 1));
        Assert.True(memory.GetSpan(0x20_0000, 0x1000).IndexOfAnyExcept((byte)0xAA) < 0);
    }

    [Fact]
    public void SegmentsMayFillRamUpToTheStacksExactly()
    {
        const int cpus = 2;
        ulong limit = LongModeLayout.StacksBottom(Memory, cpus);
        byte[] file = new TestElf { Entry = LongModeLayout.ImageBase }
            .Load(LongModeLayout.ImageBase, PassCode, memorySize: limit - LongModeLayout.ImageBase).Build();
        using GuestMemory memory = GuestMemory.CreateNative(Memory);
        memory.GetSpan(0, (int)Memory).Fill(0xAA);
        new ElfKernelLoader(file, "k.elf").Load(memory, cpus);
        Assert.Equal(0, memory.Read<byte>(limit - 1));
        Assert.Equal(0xAA, memory.Read<byte>(limit));
    }

    [Fact]
    public void LoadsByPhysicalAddressWhateverTheVirtualAddress()
    {
        // A kernel with a low bootstrap (p_vaddr == p_paddr) and a higher-half part it maps itself.
        byte[] file = new TestElf { Entry = 0x20_0000 }
            .Load(0x20_0000, PassCode)
            .Load(0x30_0000, [9, 8, 7], virtualAddress: 0xFFFF_FFFF_8030_0000)
            .Build();
        using GuestMemory memory = GuestMemory.CreateNative(Memory);
        var loader = new ElfKernelLoader(file, "k.elf");
        loader.Load(memory, 1);
        Assert.Equal(0xFFFF_FFFF_8030_0000UL, loader.Segments[1].VirtualAddress);
        Assert.Equal(new byte[] { 9, 8, 7 }, memory.GetSpan(0x30_0000, 3).ToArray());
    }

    [Fact]
    public void IgnoresEmptyLoadsOtherSegmentTypesAndOrdinaryNotes()
    {
        byte[] file = Standard()
            .Load(0x50_0000, [])                                                         // empty PT_LOAD
            .Raw(PtGnuStack, [])
            .Notes(4, ("GNU", 3, new byte[20]), ("Xen", 6, "linux\0"u8.ToArray()))        // build id; Xen GUEST_OS is not PVH
            .Notes(8, ("GNU", 5, new byte[16]))                                          // .note.gnu.property
            .Build();
        using GuestMemory memory = GuestMemory.CreateNative(Memory);
        var loader = new ElfKernelLoader(file, "k.elf");
        loader.Load(memory, 1);
        Assert.Equal([0, 1], loader.Segments.Select(s => s.Index));
    }

    [Fact]
    public void LoadsAnEtDynFileAtItsPhysicalAddressesAsIs()
    {
        TestElf elf = Standard();
        elf.Type = 3;
        using GuestMemory memory = GuestMemory.CreateNative(Memory);
        var loader = new ElfKernelLoader(elf.Build(), "pie.elf");
        var plan = Assert.IsType<LongModeBootPlan>(loader.Load(memory, 1));
        Assert.True(loader.IsPositionIndependent);
        Assert.Equal(0x20_0000UL, plan.Entry);
        Assert.Equal(PassCode, memory.GetSpan(0x20_0000, PassCode.Length).ToArray());
    }

    [Fact]
    public void ReadsAKernelFromAFileAndNamesItByTheFileName()
    {
        string dir = Directory.CreateTempSubdirectory("vmm-elf-").FullName;
        try
        {
            string path = Path.Combine(dir, "probe.elf");
            File.WriteAllBytes(path, StandardFile);
            var loader = new ElfKernelLoader(path);
            Assert.Equal("probe.elf", loader.Name);
            Assert.Equal(2, loader.Segments.Count);

            KernelLoadException e = Assert.Throws<KernelLoadException>(() => new ElfKernelLoader(Path.Combine(dir, "missing.elf")));
            Assert.Contains("cannot read kernel", e.Message, StringComparison.Ordinal);
            Assert.Contains("missing.elf", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void RefusesAFileLargerThanTheLimitWithoutReadingIt()
    {
        string dir = Directory.CreateTempSubdirectory("vmm-elf-").FullName;
        try
        {
            string path = Path.Combine(dir, "huge.elf");
            using (var f = new FileStream(path, FileMode.Create))
            {
                f.Write(StandardFile);
                f.SetLength(ElfKernelLoader.MaxFileSize + 1L);   // sparse: nothing is written past the header
            }

            KernelLoadException e = Assert.Throws<KernelLoadException>(() => new ElfKernelLoader(path));
            Assert.Contains("larger than 1 GiB", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void TheLoaderKeepsItsOwnCopyOfTheImage()
    {
        byte[] file = [.. StandardFile];
        var loader = new ElfKernelLoader(file, "k.elf");
        file.AsSpan().Clear();
        using GuestMemory memory = GuestMemory.CreateNative(Memory);
        loader.Load(memory, 1);
        Assert.Equal(PassCode, memory.GetSpan(0x20_0000, PassCode.Length).ToArray());
    }

    private static byte[] ManyHeaders(int count)
    {
        var elf = new TestElf { Entry = 0x20_0000 };
        for (int i = 0; i < count; i++)
        {
            elf.Load(0x20_0000 + ((ulong)i * 0x1000), [0xF4]);
        }

        return elf.Build();
    }

    /// <summary>Offset of the first note in the PT_NOTE segment <paramref name="index"/> of a standard file with notes.</summary>
    private static int NoteAt(int index) => SegmentOffset(Standard().Notes(4, ("GNU", 3, new byte[20])).Build(), index);
}

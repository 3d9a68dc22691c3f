using System.Diagnostics;
using System.Globalization;
using Vmm.Core.Boot.Elf;
using Vmm.Core.Boot.X86;
using Vmm.Core.Memory;

namespace Vmm.Core.Tests.Boot.Elf;

/// <summary>Links tiny freestanding kernels with the system's gcc and ld, to check the loader against real files.</summary>
public sealed class ElfKernelToolchainTests : IDisposable
{
    private const ulong Memory = 64UL << 20;

    private const string KernelSource = """
        volatile unsigned long counter = 5;     /* .data */
        unsigned long table[512];               /* .bss */

        __attribute__((noreturn)) void _start(unsigned long index, unsigned long count)
        {
            table[index] = count + counter;
            __asm__ volatile("outl %0, %w1" : : "a"((unsigned int)(table[index] - counter - count)), "Nd"(0x500));
            for (;;)
                __asm__ volatile("hlt");
        }
        """;

    private const string PvhNoteSource = """
        .pushsection .note.Xen, "a", @note
        .balign 4
        .long 4, 4, 18          /* n_namesz, n_descsz, XEN_ELFNOTE_PHYS32_ENTRY */
        .asciz "Xen"
        .balign 4
        .long 0x200000
        .popsection
        .section .note.GNU-stack, "", @progbits
        """;

    // Freestanding, no libc, no red zone; -fcf-protection adds an 8-byte-aligned .note.gnu.property.
    private static readonly string[] CommonFlags = ["-ffreestanding", "-nostdlib", "-O2", "-mno-red-zone", "-fcf-protection=full", "-Wl,-z,max-page-size=0x1000", "-Wl,--build-id=sha1"];

    private readonly string _dir = Directory.CreateTempSubdirectory("vmm-elf-cc-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void LoadsAStaticKernelLinkedByGcc()
    {
        string path = Link("kernel.elf", ["-fno-pic", "-no-pie", "-static", "-Wl,-Ttext-segment=0x200000"]);
        byte[] file = File.ReadAllBytes(path);
        var loader = new ElfKernelLoader(path);
        using GuestMemory memory = GuestMemory.CreateNative(Memory);
        memory.GetSpan(0, (int)Memory).Fill(0xAA);
        var plan = Assert.IsType<LongModeBootPlan>(loader.Load(memory, 2));

        Assert.Equal("kernel.elf", loader.Name);
        Assert.False(loader.IsPositionIndependent);
        Assert.Equal(Symbol(path, "_start"), loader.Entry);
        Assert.Equal(loader.Entry, plan.Entry);
        Assert.Contains(loader.Segments, s => s.Flags == (ElfSegmentFlags.Read | ElfSegmentFlags.Execute));
        foreach (ElfLoadSegment s in loader.Segments)
        {
            Assert.Equal(s.VirtualAddress, s.PhysicalAddress);
            Assert.True(
                memory.GetSpan(s.PhysicalAddress, (int)s.FileSize).SequenceEqual(file.AsSpan((int)s.FileOffset, (int)s.FileSize)),
                $"{s} holds the file's bytes");
            Assert.True(memory.GetSpan(s.PhysicalAddress + s.FileSize, (int)(s.MemorySize - s.FileSize)).IndexOfAnyExcept((byte)0) < 0, $"{s} is zero-filled");
        }

        ulong table = Symbol(path, "table");
        Assert.True(memory.GetSpan(table, 512 * 8).IndexOfAnyExcept((byte)0) < 0, "the .bss array is zeroed");
        Assert.Equal(5UL, memory.Read<ulong>(Symbol(path, "counter")));
    }

    [Fact]
    public void RefusesAKernelWithAPvhNote()
    {
        string path = Link("pvh.elf", ["-fno-pic", "-no-pie", "-static", "-Wl,-Ttext-segment=0x200000"], PvhNoteSource);
        KernelLoadException e = Assert.Throws<KernelLoadException>(() => new ElfKernelLoader(path));
        Assert.Contains("PVH", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesAStaticPieLinkedAtZeroAsItIsNotRelocated()
    {
        string path = Link("pie.elf", ["-fpie", "-static-pie"]);
        var loader = new ElfKernelLoader(path);
        Assert.True(loader.IsPositionIndependent);
        using GuestMemory memory = GuestMemory.CreateNative(Memory);
        KernelLoadException e = Assert.Throws<KernelLoadException>(() => loader.Load(memory, 1));
        Assert.Contains("without relocation", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesADynamicExecutable()
    {
        string path = Link("dynamic.elf", ["-fpie", "-pie"]);
        KernelLoadException e = Assert.Throws<KernelLoadException>(() => new ElfKernelLoader(path));
        Assert.Contains("PT_INTERP", e.Message, StringComparison.Ordinal);
    }

    private string Link(string output, string[] flags, string? assembly = null)
    {
        Assert.SkipUnless(OnPath("gcc") && OnPath("ld") && OnPath("nm"), "needs gcc, ld and nm on PATH to link a real x86-64 ELF kernel");
        string source = Path.Combine(_dir, "kernel.c");
        File.WriteAllText(source, KernelSource);
        List<string> args = [.. CommonFlags, .. flags, "-o", Path.Combine(_dir, output), source];
        if (assembly is not null)
        {
            string asm = Path.Combine(_dir, "note.S");
            File.WriteAllText(asm, assembly);
            args.Add(asm);
        }

        Run("gcc", args);
        return Path.Combine(_dir, output);
    }

    private static ulong Symbol(string path, string name)
    {
        foreach (string line in Run("nm", [path]).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 3 && parts[2] == name)
            {
                return ulong.Parse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
        }

        Assert.Fail($"nm found no symbol '{name}' in {path}");
        return 0;
    }

    private static string Run(string tool, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        Task<string> stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{tool} did not finish in 60 s");
        }

        Assert.True(process.ExitCode == 0, $"{tool} {string.Join(' ', start.ArgumentList)} failed ({process.ExitCode}): {stderr.Result}");
        return stdout.Result;
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, tool)));
}

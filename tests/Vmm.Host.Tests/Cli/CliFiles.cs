using System.Diagnostics;
using Vmm.Core.Tests.Boot.Elf;

namespace Vmm.Host.Tests.Cli;

/// <summary>
/// The files the command-line cases name, in a fresh directory: test kernels (good, linked below the image base,
/// beyond 16 MiB, in the stacks of a 16 MiB VM), a file that is not ELF, an empty file, a named pipe, an initrd. Case arguments name them as
/// {elf}, {elf-low}, {elf-high}, {elf-top}, {nonelf}, {empty}, {fifo}, {initrd}, {dir}; {out} is a file that does not exist yet; {long} and {long-ok} are
/// command lines of 3000 and 2047 characters.
/// </summary>
internal sealed class CliFiles : IDisposable
{
    public CliFiles()
    {
        Dir = Directory.CreateTempSubdirectory("vmm-cli-").FullName;
        Elf = Write("probe.elf", TestElf.Standard().Build());
        ElfLow = Write("low.elf", new TestElf { Entry = 0x1000 }.Load(0x1000, TestElf.PassCode).Build());
        ElfHigh = Write("high.elf", new TestElf { Entry = 0x200_0000 }.Load(0x200_0000, TestElf.PassCode).Build());
        ElfTop = Write("top.elf", new TestElf { Entry = 0xFF_C000 }.Load(0xFF_C000, TestElf.PassCode).Build());
        NotElf = Write("notes.txt", "hello"u8.ToArray());
        Empty = Write("empty.elf", []);
        Initrd = Write("initrd.img", new byte[4096]);
        BzImage = Write("bzImage", Vmm.Core.Tests.Boot.Linux.TestBzImage.Build());
        Out = Path.Combine(Dir, "out.txt");
        Fifo = Path.Combine(Dir, "pipe");
        using Process mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [Fifo]))!;
        mkfifo.WaitForExit();
    }

    public string Dir { get; }

    /// <summary>A Linux bzImage whose setup header is Debian 6.1's (no code): what --initrd and --append go with.</summary>
    public string BzImage { get; }

    public string Elf { get; }

    public string ElfLow { get; }

    public string ElfHigh { get; }

    /// <summary>Linked at 0xFFC000: inside 16 MiB of RAM, but where the vCPU stacks are.</summary>
    public string ElfTop { get; }

    public string NotElf { get; }

    public string Empty { get; }

    public string Initrd { get; }

    public string Out { get; }

    public string Fifo { get; }

    /// <summary>The case's argument line with the placeholders replaced; '|' separates arguments when one has a blank.</summary>
    public string[] Expand(string line)
    {
        string expanded = line
            .Replace("{elf-low}", ElfLow, StringComparison.Ordinal)
            .Replace("{elf-high}", ElfHigh, StringComparison.Ordinal)
            .Replace("{elf-top}", ElfTop, StringComparison.Ordinal)
            .Replace("{elf}", Elf, StringComparison.Ordinal)
            .Replace("{bzimage}", BzImage, StringComparison.Ordinal)
            .Replace("{nonelf}", NotElf, StringComparison.Ordinal)
            .Replace("{empty}", Empty, StringComparison.Ordinal)
            .Replace("{fifo}", Fifo, StringComparison.Ordinal)
            .Replace("{initrd}", Initrd, StringComparison.Ordinal)
            .Replace("{out}", Out, StringComparison.Ordinal)
            .Replace("{dir}", Dir, StringComparison.Ordinal)
            .Replace("{long-ok}", new string('x', 2047), StringComparison.Ordinal)
            .Replace("{long}", new string('x', 3000), StringComparison.Ordinal);
        if (expanded.Length == 0)
        {
            return [];
        }

        return expanded.Contains('|', StringComparison.Ordinal) ? expanded.Split('|') : expanded.Split(' ');
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(Dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}

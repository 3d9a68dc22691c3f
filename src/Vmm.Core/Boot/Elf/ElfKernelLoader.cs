using Vmm.Core.Boot.X86;
using Vmm.Core.Memory;

namespace Vmm.Core.Boot.Elf;

/// <summary>
/// Loads a user's ELF64 x86-64 "test kernel" (<c>vmm run --kernel FILE</c>): every PT_LOAD segment at its
/// physical address, and every vCPU starts at <c>e_entry</c> in the VMM's long-mode environment (the
/// documented entry protocol of <see cref="LongModeEnvironment"/>).
/// </summary>
/// <remarks>
/// <para>The file is parsed and format-checked when the loader is created, so <see cref="Entry"/> and
/// <see cref="Segments"/> are known before a VM exists; where the segments go is checked in
/// <see cref="Load"/>, against the guest's RAM and vCPU count.</para>
/// <para>Accepted: ELF64, little-endian, EM_X86_64, ET_EXEC or ET_DYN. ET_DYN is loaded at its
/// <c>p_paddr</c> as-is: vmm applies no relocations, so the file must be linked at its run address. A file
/// with a program interpreter (PT_INTERP) or a Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY) is refused.
/// <c>p_vaddr</c>, <c>p_align</c> and section headers are ignored: RAM is identity-mapped, so code runs at
/// its physical address until it installs page tables of its own.</para>
/// </remarks>
public sealed class ElfKernelLoader : IGuestLoader
{
    /// <summary>The largest kernel file read (test kernels are kilobytes; this bounds what a FIFO or device can make us buffer).</summary>
    public const int MaxFileSize = 1 << 30;

    private readonly ElfImage _image;

    /// <summary>Reads and checks the kernel file at <paramref name="path"/>.</summary>
    /// <exception cref="KernelLoadException">The file cannot be read or is not a loadable ELF64 x86-64 kernel.</exception>
    public ElfKernelLoader(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] data;
        try
        {
            data = ReadFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new KernelLoadException($"cannot read kernel '{path}': {e.Message}", e);
        }

        Name = Path.GetFileName(path);
        _image = ElfImage.Parse(data);
    }

    /// <summary>Checks the kernel image <paramref name="image"/> (copied), called <paramref name="name"/> in messages.</summary>
    /// <exception cref="KernelLoadException">It is not a loadable ELF64 x86-64 kernel.</exception>
    public ElfKernelLoader(ReadOnlySpan<byte> image, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        _image = ElfImage.Parse(image.ToArray());
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary><c>e_entry</c>: where every vCPU starts (a physical address; RAM is identity-mapped).</summary>
    public ulong Entry => _image.Entry;

    /// <summary>The PT_LOAD segments with bytes in memory, in program-header order.</summary>
    public IReadOnlyList<ElfLoadSegment> Segments => _image.Segments;

    /// <summary>True for an ET_DYN file (loaded at its <c>p_paddr</c> without relocation).</summary>
    public bool IsPositionIndependent => _image.IsPositionIndependent;

    /// <summary>
    /// Builds the long-mode environment, checks that every segment lies in
    /// [<see cref="LongModeLayout.ImageBase"/>, <see cref="LongModeEnvironment.ImageLimit"/>), then copies
    /// each segment's file bytes to its <c>p_paddr</c> and zeroes the rest up to <c>p_memsz</c>.
    /// </summary>
    /// <returns>A <see cref="LongModeBootPlan"/> entering every vCPU at <see cref="Entry"/>.</returns>
    /// <exception cref="KernelLoadException">A segment does not fit this guest; nothing of the kernel was written.</exception>
    /// <exception cref="ArgumentException">Too little RAM or too many vCPUs for the environment itself.</exception>
    public IGuestBootPlan Load(GuestMemory memory, int processorCount)
    {
        ArgumentNullException.ThrowIfNull(memory);

        // The environment first: the checks below keep the kernel off its tables and stacks, so neither
        // can overwrite the other whatever the order, and every range is checked before a byte is written.
        var env = LongModeEnvironment.Build(memory, processorCount);
        foreach (ElfLoadSegment s in _image.Segments)
        {
            CheckPlacement(s, env);
        }

        _image.WriteSegments(memory);

        return new LongModeBootPlan(env, _image.Entry);
    }

    private static byte[] ReadFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (stream.CanSeek && stream.Length > MaxFileSize)
        {
            throw TooLarge(path);
        }

        using var copy = new MemoryStream();
        byte[] buffer = new byte[1 << 16];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            if (read > MaxFileSize - copy.Length)
            {
                throw TooLarge(path);
            }

            copy.Write(buffer, 0, read);
        }

        return copy.ToArray();
    }

    private static KernelLoadException TooLarge(string path) =>
        new($"kernel '{path}' is larger than {FormatSize(MaxFileSize)}: not a test kernel vmm loads");

    private void CheckPlacement(ElfLoadSegment s, LongModeEnvironment env)
    {
        string where = $"segment {s.Index} (physical 0x{s.PhysicalAddress:X}-0x{s.PhysicalEnd - 1:X})";
        if (s.PhysicalAddress < LongModeLayout.ImageBase)
        {
            string hint = IsPositionIndependent
                ? $"; ET_DYN files are loaded at their p_paddr without relocation, so link the kernel at 0x{LongModeLayout.ImageBase:X} or above"
                : string.Empty;
            throw new KernelLoadException($"{where} overlaps the VMM's long-mode tables (below 0x{LongModeLayout.ImageBase:X}){hint}");
        }

        if (s.PhysicalEnd > env.MemorySize)
        {
            throw new KernelLoadException($"{where} ends beyond guest RAM ({FormatSize(env.MemorySize)}, up to 0x{env.MemorySize - 1:X})");
        }

        if (s.PhysicalEnd > env.ImageLimit)
        {
            throw new KernelLoadException(
                $"{where} overlaps the vCPU stacks at the top of RAM (0x{env.ImageLimit:X}-0x{env.MemorySize - 1:X}: "
                + $"{FormatSize(LongModeLayout.StackBlockSize)} for each of {env.ProcessorCount} vCPU{(env.ProcessorCount == 1 ? string.Empty : "s")}); "
                + "give the VM more memory or fewer vCPUs");
        }
    }

    private static string FormatSize(ulong bytes) => bytes switch
    {
        _ when bytes != 0 && bytes % (1UL << 30) == 0 => $"{bytes >> 30} GiB",
        _ when bytes != 0 && bytes % (1UL << 20) == 0 => $"{bytes >> 20} MiB",
        _ when bytes != 0 && bytes % (1UL << 10) == 0 => $"{bytes >> 10} KiB",
        _ => $"{bytes} bytes",
    };
}

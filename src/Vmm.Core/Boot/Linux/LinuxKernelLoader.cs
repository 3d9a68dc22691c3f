using System.Text;
using Vmm.Core.Boot.Elf;
using Vmm.Core.Boot.X86;
using Vmm.Core.Memory;

namespace Vmm.Core.Boot.Linux;

/// <summary>
/// Loads a Linux kernel, a bzImage or a vmlinux ELF, with an optional initrd and command line, and enters it
/// through the 64-bit boot protocol (Linux Documentation/arch/x86/boot.rst): boot_params with an e820 map, an
/// MP table for the CPUs and interrupt routing (no ACPI), vCPU 0 at the entry, the others waiting for SIPI.
/// </summary>
/// <remarks>
/// Everything that can be checked without a VM is checked when the loader is created (<see cref="CheckFits"/>
/// adds the RAM-dependent checks), so a bad image or option is reported before a hypervisor is opened.
/// </remarks>
public sealed class LinuxKernelLoader : IGuestLoader
{
    private readonly byte[] _kernel;
    private readonly SetupHeader? _header;
    private readonly ElfImage? _elf;
    private readonly byte[] _initrd;
    private readonly byte[] _commandLine;

    /// <summary>Reads and checks the kernel and initrd files.</summary>
    /// <exception cref="KernelLoadException">A file cannot be read or is not usable.</exception>
    public LinuxKernelLoader(string kernelPath, string? initrdPath, string? commandLine)
        : this(ReadFile(kernelPath, "kernel"), Path.GetFileName(kernelPath), initrdPath is null ? null : ReadFile(initrdPath, "initrd"), commandLine)
    {
    }

    /// <summary>Checks the kernel image <paramref name="kernel"/> (kept), called <paramref name="name"/> in messages.</summary>
    /// <exception cref="KernelLoadException">The kernel is not usable, or the command line is too long for it.</exception>
    public LinuxKernelLoader(byte[] kernel, string name, byte[]? initrd, string? commandLine)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentException.ThrowIfNullOrEmpty(name);
        _kernel = kernel;
        Name = name;
        _initrd = initrd ?? [];
        if (SetupHeader.IsBzImage(kernel))
        {
            Format = LinuxKernelFormat.BzImage;
            _header = SetupHeader.Parse(kernel);
            Entry = SetupHeader.LoadAddress + SetupHeader.Entry64Offset;
            KernelStart = SetupHeader.LoadAddress;

            // The decompressor runs the kernel at max(load address aligned up to kernel_alignment, the address it
            // was linked for, pref_address) and needs init_size bytes from there (arch/x86/boot/compressed/head_64.S).
            ulong align = Math.Max(_header.KernelAlignment, 1u);
            ulong runtime = _header.Relocatable ? (SetupHeader.LoadAddress + align - 1) / align * align : SetupHeader.LoadAddress;
            runtime = Math.Max(runtime, _header.PrefAddress);
            KernelEnd = Math.Max(runtime + _header.InitSize, SetupHeader.LoadAddress + (ulong)_header.ProtectedModeSize);
            CmdlineSize = _header.CmdlineSize;
            InitrdAddrMax = _header.InitrdAddrMax;
        }
        else if (kernel.Length >= 4 && kernel.AsSpan(0, 4).SequenceEqual("\u007FELF"u8))
        {
            Format = LinuxKernelFormat.Vmlinux;
            _elf = ElfImage.Parse(kernel, allowPvhNote: true);
            Entry = _elf.Entry;
            KernelStart = _elf.Segments.Min(s => s.PhysicalAddress);
            KernelEnd = _elf.Segments.Max(s => s.PhysicalEnd);
            if (KernelStart < LinuxBootLayout.HighMemory)
            {
                throw new KernelLoadException($"vmlinux segment at 0x{KernelStart:X} is below 1 MiB, where vmm keeps boot_params and its tables");
            }

            CmdlineSize = BootParams.VmlinuxCmdlineSize;
            InitrdAddrMax = 0x7FFF_FFFF;   // the default for boot protocols before 2.03; a vmlinux has no header to say more
        }
        else
        {
            throw new KernelLoadException("not a Linux kernel: neither a bzImage (no \"HdrS\" setup header at 0x202) nor an ELF vmlinux");
        }

        _commandLine = Encoding.UTF8.GetBytes(commandLine ?? string.Empty);
        if ((ulong)_commandLine.Length > CmdlineSize)
        {
            throw new KernelLoadException($"the kernel command line is {_commandLine.Length} bytes, longer than the kernel's cmdline_size ({CmdlineSize})");
        }

        if ((ulong)_commandLine.Length >= LinuxBootLayout.CommandLineCapacity)
        {
            throw new KernelLoadException($"the kernel command line is {_commandLine.Length} bytes, longer than vmm's room for it ({LinuxBootLayout.CommandLineCapacity - 1})");
        }

        if (Array.IndexOf(_commandLine, (byte)0) >= 0)
        {
            throw new KernelLoadException("the kernel command line contains a NUL character");
        }
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>bzImage or vmlinux.</summary>
    public LinuxKernelFormat Format { get; }

    /// <summary>The bzImage's setup header (null for a vmlinux).</summary>
    public SetupHeader? Header => _header;

    /// <summary>Where vCPU 0 starts: the protected-mode kernel + 0x200 (bzImage) or <c>e_entry</c> (vmlinux).</summary>
    public ulong Entry { get; }

    /// <summary>First byte the kernel occupies while it starts.</summary>
    public ulong KernelStart { get; }

    /// <summary>One past the last byte the kernel occupies while it starts (for a bzImage: its runtime address + <c>init_size</c>).</summary>
    public ulong KernelEnd { get; }

    /// <summary>The longest command line the kernel takes.</summary>
    public ulong CmdlineSize { get; }

    /// <summary>The highest address the initrd's last byte may have.</summary>
    public ulong InitrdAddrMax { get; }

    /// <summary>True if <paramref name="file"/> is a Linux kernel: a bzImage, or an ELF file with a Linux or Xen PVH note.</summary>
    public static bool IsLinuxKernel(byte[] file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (SetupHeader.IsBzImage(file))
        {
            return true;
        }

        try
        {
            return ElfImage.Parse(file, allowPvhNote: true).Notes != ElfNoteKinds.None;
        }
        catch (KernelLoadException)
        {
            return false;
        }
    }

    /// <summary>Checks that the kernel and initrd fit a guest of <paramref name="memorySize"/> bytes and <paramref name="processors"/> vCPUs.</summary>
    /// <returns>The e820 map and the initrd's address (0 without one).</returns>
    /// <exception cref="KernelLoadException">They do not fit; the message says what to change.</exception>
    public (IReadOnlyList<E820Entry> Map, ulong InitrdAddress) CheckFits(ulong memorySize, int processors)
    {
        if (processors > LinuxBootLayout.MaxProcessors)
        {
            throw new KernelLoadException($"{processors} vCPUs: a Linux guest gets at most {LinuxBootLayout.MaxProcessors} (its MP table has 8-bit APIC ids)");
        }

        IReadOnlyList<(ulong Start, ulong Size)> ram = GuestRamLayout.Ranges(memorySize);
        if (ram[0].Size < LongModeLayout.MinimumMemory)
        {
            throw new KernelLoadException($"a Linux guest needs at least {LongModeLayout.MinimumMemory >> 20} MiB of RAM");
        }

        IReadOnlyList<E820Entry> map = E820Map.Build(ram);
        if (!E820Map.RamEntries(map).Any(e => e.Address <= KernelStart && KernelEnd <= e.End))
        {
            string why = Format == LinuxKernelFormat.BzImage ? $" (init_size 0x{_header!.InitSize:X} from where it runs)" : string.Empty;
            throw new KernelLoadException(
                $"too little RAM for the kernel: it needs 0x{KernelStart:X}-0x{KernelEnd - 1:X}{why}, "
                + $"the guest has {InitrdPlacement.Describe(memorySize)}: give the VM more memory (--memory)");
        }

        ulong initrd = _initrd.Length == 0 ? 0 : InitrdPlacement.Place((ulong)_initrd.Length, InitrdAddrMax, map, KernelStart, KernelEnd);
        return (map, initrd);
    }

    /// <inheritdoc />
    /// <exception cref="KernelLoadException">The kernel or initrd does not fit this guest; nothing was written.</exception>
    public IGuestBootPlan Load(GuestMemory memory, int processorCount)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ulong size = memory.Regions.Aggregate(0UL, (sum, r) => sum + r.Size);
        (IReadOnlyList<E820Entry> map, ulong initrd) = CheckFits(size, processorCount);
        foreach (E820Entry e in E820Map.RamEntries(map))
        {
            if (!memory.Contains(e.Address, e.Size))
            {
                throw new KernelLoadException($"guest RAM does not back the e820 range 0x{e.Address:X}-0x{e.End - 1:X}");
            }
        }

        var env = LongModeEnvironment.Build(memory, processorCount);
        if (_header is not null)
        {
            memory.Write(SetupHeader.LoadAddress, _kernel.AsSpan(_header.ProtectedModeOffset));
        }
        else
        {
            _elf!.WriteSegments(memory);
        }

        if (initrd != 0)
        {
            memory.Write(initrd, _initrd);
        }

        memory.GetSpan(LinuxBootLayout.CommandLine, _commandLine.Length + 1).Clear();
        memory.Write(LinuxBootLayout.CommandLine, _commandLine);
        memory.Write(LinuxBootLayout.MpTable, MpTable.Build(processorCount, (uint)LinuxBootLayout.MpTable));
        ReadOnlySpan<byte> header = _header is null ? [] : _kernel.AsSpan(SetupHeader.Offset, _header.End - SetupHeader.Offset);
        memory.Write(LinuxBootLayout.ZeroPage, BootParams.Build(header, LinuxBootLayout.CommandLine, initrd, (ulong)_initrd.Length, map));
        return new LinuxBootPlan(env, Entry, LinuxBootLayout.ZeroPage);
    }

    private static byte[] ReadFile(string path, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > int.MaxValue)
            {
                throw new KernelLoadException($"{what} '{path}' is larger than 2 GiB");
            }

            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new KernelLoadException($"cannot read {what} '{path}': {e.Message}", e);
        }
    }
}

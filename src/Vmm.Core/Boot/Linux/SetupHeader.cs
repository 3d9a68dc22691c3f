using System.Buffers.Binary;
using Vmm.Core.Boot.Elf;

namespace Vmm.Core.Boot.Linux;

/// <summary>
/// The setup header of a bzImage (Linux Documentation/arch/x86/boot.rst, "The Real-Mode Kernel Header"), parsed
/// and checked for the 64-bit boot protocol: boot protocol 2.12 or later, a 64-bit entry (XLF_KERNEL_64), the
/// protected-mode kernel loaded high.
/// </summary>
/// <remarks>
/// The file is hostile input: every field is checked against the file's length before it is used, and a bad
/// image is refused with a one-line <see cref="KernelLoadException"/> naming the field.
/// </remarks>
public sealed class SetupHeader
{
    /// <summary>Offset of the setup header in the file and in boot_params (<c>hdr</c>, zero-page.rst).</summary>
    public const int Offset = 0x1F1;

    /// <summary>The oldest boot protocol accepted: 2.12 introduced <c>xloadflags</c> and the 64-bit entry flag.</summary>
    public const ushort MinimumVersion = 0x020C;

    /// <summary>The protected-mode kernel's 64-bit entry point is this far into it (boot.rst "64-bit Boot Protocol").</summary>
    public const ulong Entry64Offset = 0x200;

    /// <summary>Where a LOADED_HIGH kernel's protected-mode code is loaded (boot.rst: "loaded at 0x100000").</summary>
    public const ulong LoadAddress = 0x10_0000;

    // Field offsets (boot.rst, and struct setup_header in arch/x86/include/uapi/asm/bootparam.h).
    internal const int SetupSectsOffset = 0x1F1;
    internal const int BootFlagOffset = 0x1FE;
    internal const int JumpOffset = 0x200;
    internal const int HeaderMagicOffset = 0x202;
    internal const int VersionOffset = 0x206;
    internal const int TypeOfLoaderOffset = 0x210;
    internal const int LoadFlagsOffset = 0x211;
    internal const int Code32StartOffset = 0x214;
    internal const int RamdiskImageOffset = 0x218;
    internal const int RamdiskSizeOffset = 0x21C;
    internal const int CmdLinePtrOffset = 0x228;
    internal const int InitrdAddrMaxOffset = 0x22C;
    internal const int KernelAlignmentOffset = 0x230;
    internal const int RelocatableKernelOffset = 0x234;
    internal const int XLoadFlagsOffset = 0x236;
    internal const int CmdlineSizeOffset = 0x238;
    internal const int PayloadOffsetOffset = 0x248;
    internal const int PayloadLengthOffset = 0x24C;
    internal const int PrefAddressOffset = 0x258;
    internal const int InitSizeOffset = 0x260;

    /// <summary>One past the last field read here (<c>init_size</c>): a 2.12 header reaches at least this far.</summary>
    internal const int FieldsEnd = 0x264;

    internal const ushort BootFlagValue = 0xAA55;
    internal const uint HeaderMagic = 0x5372_6448;     // "HdrS"
    internal const byte LoadedHigh = 0x01;             // loadflags bit 0
    internal const ushort XlfKernel64 = 0x0001;        // xloadflags bit 0

    private SetupHeader()
    {
    }

    /// <summary><c>setup_sects</c> as the kernel means it (0 read as 4, boot.rst).</summary>
    public int SetupSectors { get; private init; }

    /// <summary>File offset of the protected-mode kernel: (setup_sects + 1) sectors of 512 bytes.</summary>
    public int ProtectedModeOffset => (SetupSectors + 1) * 512;

    /// <summary>Bytes of protected-mode kernel in the file.</summary>
    public int ProtectedModeSize { get; private init; }

    /// <summary><c>version</c>: the boot protocol, e.g. 0x020F for 2.15.</summary>
    public ushort Version { get; private init; }

    /// <summary>One past the setup header: 0x202 plus the byte at 0x201 (the jump's displacement).</summary>
    public int End { get; private init; }

    /// <summary><c>loadflags</c>.</summary>
    public byte LoadFlags { get; private init; }

    /// <summary><c>xloadflags</c>.</summary>
    public ushort XLoadFlags { get; private init; }

    /// <summary><c>initrd_addr_max</c>: the highest address the initrd's last byte may have.</summary>
    public uint InitrdAddrMax { get; private init; }

    /// <summary><c>kernel_alignment</c>.</summary>
    public uint KernelAlignment { get; private init; }

    /// <summary><c>relocatable_kernel</c> is non-zero.</summary>
    public bool Relocatable { get; private init; }

    /// <summary><c>cmdline_size</c>: the longest command line, without its terminating NUL.</summary>
    public uint CmdlineSize { get; private init; }

    /// <summary><c>payload_offset</c>: the compressed kernel proper, from the start of the protected-mode code.</summary>
    public uint PayloadOffset { get; private init; }

    /// <summary><c>payload_length</c>.</summary>
    public uint PayloadLength { get; private init; }

    /// <summary><c>pref_address</c>.</summary>
    public ulong PrefAddress { get; private init; }

    /// <summary><c>init_size</c>: bytes the kernel needs from where it runs before it reads the memory map.</summary>
    public uint InitSize { get; private init; }

    /// <summary>True if <paramref name="file"/> carries the boot sector flag and the "HdrS" magic of a bzImage.</summary>
    public static bool IsBzImage(ReadOnlySpan<byte> file) =>
        file.Length >= HeaderMagicOffset + 4
        && BinaryPrimitives.ReadUInt16LittleEndian(file[BootFlagOffset..]) == BootFlagValue
        && BinaryPrimitives.ReadUInt32LittleEndian(file[HeaderMagicOffset..]) == HeaderMagic;

    /// <summary>Parses and checks the setup header of the bzImage <paramref name="file"/>.</summary>
    /// <exception cref="KernelLoadException">The image is truncated, too old or cannot be entered in 64-bit mode.</exception>
    public static SetupHeader Parse(ReadOnlySpan<byte> file)
    {
        if (file.Length < HeaderMagicOffset + 4)
        {
            throw new KernelLoadException($"truncated bzImage: the file is {file.Length} bytes, too short to hold a setup header (it starts at 0x{Offset:X})");
        }

        ushort bootFlag = BinaryPrimitives.ReadUInt16LittleEndian(file[BootFlagOffset..]);
        if (bootFlag != BootFlagValue)
        {
            throw new KernelLoadException($"not a bzImage: boot_flag at 0x1FE is 0x{bootFlag:X4}, not 0xAA55");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(file[HeaderMagicOffset..]) != HeaderMagic)
        {
            throw new KernelLoadException("not a bzImage, or a boot protocol older than 2.00: no \"HdrS\" magic at 0x202");
        }

        if (file.Length < VersionOffset + 2)
        {
            throw new KernelLoadException($"truncated bzImage: the file is {file.Length} bytes and ends inside the setup header");
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(file[VersionOffset..]);
        if (version < MinimumVersion)
        {
            throw new KernelLoadException(
                $"boot protocol {version >> 8}.{version & 0xFF:D2} is too old: vmm enters kernels through the 64-bit boot protocol, which needs 2.12 or later (Linux 3.8+)");
        }

        int end = JumpOffset + 2 + file[JumpOffset + 1];
        if (file.Length < Math.Max(end, FieldsEnd))
        {
            throw new KernelLoadException($"truncated bzImage: the file is {file.Length} bytes and ends inside the setup header (which ends at 0x{Math.Max(end, FieldsEnd):X})");
        }

        if (end < FieldsEnd)
        {
            throw new KernelLoadException($"malformed bzImage: the setup header ends at 0x{end:X} (0x202 + the byte at 0x201), before init_size at 0x{InitSizeOffset:X} that protocol 2.12 has");
        }

        byte loadFlags = file[LoadFlagsOffset];
        if ((loadFlags & LoadedHigh) == 0)
        {
            throw new KernelLoadException("a zImage (loadflags LOADED_HIGH is clear): its protected-mode code must load at 0x10000, vmm loads bzImages at 1 MiB");
        }

        ushort xloadflags = BinaryPrimitives.ReadUInt16LittleEndian(file[XLoadFlagsOffset..]);
        if ((xloadflags & XlfKernel64) == 0)
        {
            throw new KernelLoadException("no 64-bit entry point: xloadflags XLF_KERNEL_64 (bit 0) is clear (a 32-bit kernel?)");
        }

        int setupSects = file[SetupSectsOffset] == 0 ? 4 : file[SetupSectsOffset];
        int pmOffset = (setupSects + 1) * 512;
        if (file.Length <= pmOffset)
        {
            throw new KernelLoadException($"truncated bzImage: setup_sects {setupSects} puts the protected-mode kernel at 0x{pmOffset:X}, but the file is only 0x{file.Length:X} bytes");
        }

        uint initSize = BinaryPrimitives.ReadUInt32LittleEndian(file[InitSizeOffset..]);
        int pmSize = file.Length - pmOffset;
        if ((ulong)pmSize <= Entry64Offset)
        {
            throw new KernelLoadException($"truncated bzImage: its protected-mode kernel is 0x{pmSize:X} bytes and ends before the 64-bit entry at +0x200");
        }

        if (initSize < (uint)pmSize)
        {
            throw new KernelLoadException($"malformed bzImage: init_size 0x{initSize:X} is smaller than the protected-mode kernel (0x{pmSize:X} bytes)");
        }

        uint payloadOffset = BinaryPrimitives.ReadUInt32LittleEndian(file[PayloadOffsetOffset..]);
        uint payloadLength = BinaryPrimitives.ReadUInt32LittleEndian(file[PayloadLengthOffset..]);
        if (payloadOffset > (uint)pmSize || payloadLength > (uint)pmSize - payloadOffset)
        {
            throw new KernelLoadException(
                $"truncated bzImage: the payload (payload_offset 0x{payloadOffset:X}, payload_length 0x{payloadLength:X}) runs past the protected-mode kernel (0x{pmSize:X} bytes)");
        }

        return new SetupHeader
        {
            SetupSectors = setupSects,
            ProtectedModeSize = pmSize,
            Version = version,
            End = end,
            LoadFlags = loadFlags,
            XLoadFlags = xloadflags,
            InitrdAddrMax = BinaryPrimitives.ReadUInt32LittleEndian(file[InitrdAddrMaxOffset..]),
            KernelAlignment = BinaryPrimitives.ReadUInt32LittleEndian(file[KernelAlignmentOffset..]),
            Relocatable = file[RelocatableKernelOffset] != 0,
            CmdlineSize = BinaryPrimitives.ReadUInt32LittleEndian(file[CmdlineSizeOffset..]),
            PayloadOffset = payloadOffset,
            PayloadLength = payloadLength,
            PrefAddress = BinaryPrimitives.ReadUInt64LittleEndian(file[PrefAddressOffset..]),
            InitSize = initSize,
        };
    }
}

using System.Buffers.Binary;

namespace Vmm.Core.Boot.Linux;

/// <summary>
/// Builds <c>struct boot_params</c>, the "zero page" a 64-bit kernel receives in RSI (Linux
/// Documentation/arch/x86/zero-page.rst, arch/x86/include/uapi/asm/bootparam.h).
/// </summary>
/// <remarks>
/// The page starts all zero and only the setup header slice [0x1F1, end of header) is copied from a bzImage:
/// copying the whole first sector would bring the image's non-zero <c>sentinel</c> byte (0x1EF) along, and the
/// kernel then wipes most of boot_params as written by a broken loader (arch/x86/include/asm/bootparam_utils.h
/// <c>sanitize_boot_params</c>).
/// </remarks>
public static class BootParams
{
    /// <summary>Size of boot_params.</summary>
    public const int Size = 0x1000;

    // zero-page.rst offsets.
    internal const int ExtRamdiskImageOffset = 0x0C0;
    internal const int ExtRamdiskSizeOffset = 0x0C4;
    internal const int ExtCmdLinePtrOffset = 0x0C8;
    internal const int E820EntriesOffset = 0x1E8;
    internal const int SentinelOffset = 0x1EF;
    internal const int E820TableOffset = 0x2D0;

    /// <summary>type_of_loader 0xFF: "undefined" (boot.rst: a loader without an assigned id must write 0xFF).</summary>
    public const byte UndefinedLoader = 0xFF;

    /// <summary>The boot protocol written into a header vmm makes up for a vmlinux (2.12).</summary>
    public const ushort SynthesizedVersion = SetupHeader.MinimumVersion;

    /// <summary>The command line limit of a vmlinux, which has no setup header: x86's COMMAND_LINE_SIZE is 2048 with its NUL.</summary>
    public const uint VmlinuxCmdlineSize = 2047;

    /// <summary>Builds boot_params.</summary>
    /// <param name="setupHeader">The bzImage's setup header bytes [0x1F1, end), or empty for a vmlinux (a minimal header is made up).</param>
    /// <param name="commandLineAddress">Where the NUL-terminated command line is.</param>
    /// <param name="initrdAddress">Where the initrd is (0 with none).</param>
    /// <param name="initrdSize">Its size (0 with none).</param>
    /// <param name="e820">The memory map.</param>
    public static byte[] Build(ReadOnlySpan<byte> setupHeader, ulong commandLineAddress, ulong initrdAddress, ulong initrdSize, IReadOnlyList<E820Entry> e820)
    {
        ArgumentNullException.ThrowIfNull(e820);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(e820.Count, E820Map.MaxEntries);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(setupHeader.Length, 0x290 - SetupHeader.Offset);
        var page = new byte[Size];
        Span<byte> p = page;
        if (setupHeader.IsEmpty)
        {
            // A vmlinux has no header; the kernel proper reads these fields (and version 0 would work too, as
            // head64.c then copies boot_params again, but a real version is tidier).
            BinaryPrimitives.WriteUInt16LittleEndian(p[SetupHeader.BootFlagOffset..], SetupHeader.BootFlagValue);
            BinaryPrimitives.WriteUInt32LittleEndian(p[SetupHeader.HeaderMagicOffset..], SetupHeader.HeaderMagic);
            BinaryPrimitives.WriteUInt16LittleEndian(p[SetupHeader.VersionOffset..], SynthesizedVersion);
            p[SetupHeader.LoadFlagsOffset] = SetupHeader.LoadedHigh;
            BinaryPrimitives.WriteUInt32LittleEndian(p[SetupHeader.KernelAlignmentOffset..], 0x100_0000);
            BinaryPrimitives.WriteUInt32LittleEndian(p[SetupHeader.CmdlineSizeOffset..], VmlinuxCmdlineSize);
        }
        else
        {
            setupHeader.CopyTo(p[SetupHeader.Offset..]);
        }

        // The initrd is ignored unless type_of_loader is non-zero (arch/x86/kernel/setup.c early_reserve_initrd).
        p[SetupHeader.TypeOfLoaderOffset] = UndefinedLoader;
        p[SentinelOffset] = 0;
        WriteSplit(p, SetupHeader.CmdLinePtrOffset, ExtCmdLinePtrOffset, commandLineAddress);
        WriteSplit(p, SetupHeader.RamdiskImageOffset, ExtRamdiskImageOffset, initrdAddress);
        WriteSplit(p, SetupHeader.RamdiskSizeOffset, ExtRamdiskSizeOffset, initrdSize);

        p[E820EntriesOffset] = (byte)e820.Count;
        for (int i = 0; i < e820.Count; i++)
        {
            Span<byte> e = p.Slice(E820TableOffset + (i * E820Entry.EncodedSize), E820Entry.EncodedSize);
            BinaryPrimitives.WriteUInt64LittleEndian(e, e820[i].Address);
            BinaryPrimitives.WriteUInt64LittleEndian(e[8..], e820[i].Size);
            BinaryPrimitives.WriteUInt32LittleEndian(e[16..], (uint)e820[i].Type);
        }

        return page;
    }

    /// <summary>A 64-bit value as its low half in the setup header and its high half in the ext_ field.</summary>
    private static void WriteSplit(Span<byte> page, int lowOffset, int highOffset, ulong value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(page[lowOffset..], (uint)value);
        BinaryPrimitives.WriteUInt32LittleEndian(page[highOffset..], (uint)(value >> 32));
    }
}

using System.Buffers.Binary;
using System.Text;

namespace Vmm.Core.Tests.Boot.Elf;

/// <summary>Writes small ELF64 files for the loader tests: header, program headers, then each segment's bytes.</summary>
internal sealed class TestElf
{
    public const int HeaderSize = 64;
    public const int PhdrSize = 56;

    // Elf64_Ehdr / Elf64_Phdr field offsets, for tests that patch a built file.
    public const int EType = 16;
    public const int EMachine = 18;
    public const int EVersion = 20;
    public const int EEntry = 24;
    public const int EPhoff = 32;
    public const int EPhentsize = 54;
    public const int EPhnum = 56;
    public const int PType = 0;
    public const int POffset = 8;
    public const int PVaddr = 16;
    public const int PPaddr = 24;
    public const int PFilesz = 32;
    public const int PMemsz = 40;

    public const uint PtLoad = 1;
    public const uint PtInterp = 3;
    public const uint PtNote = 4;
    public const uint PtGnuStack = 0x6474E551;

    public const uint PfX = 1;
    public const uint PfW = 2;
    public const uint PfR = 4;

    /// <summary>mov eax, 0; mov dx, 0x500; out dx, eax; hlt — report "pass" through the exit port.</summary>
    public static readonly byte[] PassCode = [0xB8, 0, 0, 0, 0, 0x66, 0xBA, 0x00, 0x05, 0xEF, 0xF4];

    private readonly List<Segment> _segments = [];

    public ushort Type { get; set; } = 2;   // ET_EXEC

    public ushort Machine { get; set; } = 62;   // EM_X86_64

    public ulong Entry { get; set; }

    /// <summary>The file most tests start from: code at 0x200000 (entry), data plus bss at 0x201000.</summary>
    public static TestElf Standard() => new TestElf { Entry = 0x20_0000 }
        .Load(0x20_0000, PassCode, flags: PfR | PfX)
        .Load(0x20_1000, Enumerable.Range(1, 16).Select(i => (byte)i).ToArray(), memorySize: 0x3000, flags: PfR | PfW);

    /// <summary>Offset of program header <paramref name="index"/> in a built file.</summary>
    public static int Phdr(int index) => HeaderSize + (index * PhdrSize);

    public TestElf Load(ulong physical, byte[] data, ulong? memorySize = null, uint flags = PfR | PfW | PfX, ulong? virtualAddress = null)
    {
        _segments.Add(new Segment(PtLoad, flags, physical, virtualAddress ?? physical, data, memorySize ?? (ulong)data.Length, 0x1000));
        return this;
    }

    public TestElf Raw(uint type, byte[] data, ulong align = 8)
    {
        _segments.Add(new Segment(type, PfR, 0, 0, data, (ulong)data.Length, align));
        return this;
    }

    /// <summary>A PT_NOTE segment holding the given notes, padded to <paramref name="align"/> (4 or 8).</summary>
    public TestElf Notes(int align, params (string Name, uint Type, byte[] Desc)[] notes) =>
        Raw(PtNote, EncodeNotes(align, notes), (ulong)align);

    public static byte[] EncodeNotes(int align, params (string Name, uint Type, byte[] Desc)[] notes)
    {
        var bytes = new List<byte>();
        Span<byte> header = stackalloc byte[12];
        foreach ((string name, uint type, byte[] desc) in notes)
        {
            byte[] n = [.. Encoding.ASCII.GetBytes(name), 0];
            BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)n.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)desc.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], type);
            bytes.AddRange(header);
            bytes.AddRange(n);
            Pad(bytes, align);
            bytes.AddRange(desc);
            Pad(bytes, align);
        }

        return [.. bytes];
    }

    public byte[] Build()
    {
        int dataStart = Align(HeaderSize + (_segments.Count * PhdrSize), 16);
        int size = dataStart + _segments.Sum(s => Align(s.Data.Length, 16));
        var file = new byte[size];
        Span<byte> f = file;
        "\u007FELF"u8.CopyTo(f);
        f[4] = 2;   // ELFCLASS64
        f[5] = 1;   // ELFDATA2LSB
        f[6] = 1;   // EV_CURRENT
        BinaryPrimitives.WriteUInt16LittleEndian(f[EType..], Type);
        BinaryPrimitives.WriteUInt16LittleEndian(f[EMachine..], Machine);
        BinaryPrimitives.WriteUInt32LittleEndian(f[EVersion..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(f[EEntry..], Entry);
        BinaryPrimitives.WriteUInt64LittleEndian(f[EPhoff..], HeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(f[52..], HeaderSize);   // e_ehsize
        BinaryPrimitives.WriteUInt16LittleEndian(f[EPhentsize..], PhdrSize);
        BinaryPrimitives.WriteUInt16LittleEndian(f[EPhnum..], (ushort)_segments.Count);

        int offset = dataStart;
        for (int i = 0; i < _segments.Count; i++)
        {
            Segment s = _segments[i];
            Span<byte> p = f.Slice(Phdr(i), PhdrSize);
            BinaryPrimitives.WriteUInt32LittleEndian(p, s.Type);
            BinaryPrimitives.WriteUInt32LittleEndian(p[4..], s.Flags);
            BinaryPrimitives.WriteUInt64LittleEndian(p[POffset..], (ulong)offset);
            BinaryPrimitives.WriteUInt64LittleEndian(p[PVaddr..], s.Virtual);
            BinaryPrimitives.WriteUInt64LittleEndian(p[PPaddr..], s.Physical);
            BinaryPrimitives.WriteUInt64LittleEndian(p[PFilesz..], (ulong)s.Data.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(p[PMemsz..], s.MemorySize);
            BinaryPrimitives.WriteUInt64LittleEndian(p[48..], s.Align);
            s.Data.CopyTo(f[offset..]);
            offset += Align(s.Data.Length, 16);
        }

        return file;
    }

    /// <summary>Offset of the bytes of segment <paramref name="index"/> in a built file.</summary>
    public static int SegmentOffset(byte[] file, int index) =>
        (int)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(Phdr(index) + POffset));

    public static byte[] With(byte[] file, Action<Span<byte>> patch)
    {
        byte[] copy = [.. file];
        patch(copy);
        return copy;
    }

    public static byte[] With16(byte[] file, int offset, ushort value) =>
        With(file, f => BinaryPrimitives.WriteUInt16LittleEndian(f[offset..], value));

    public static byte[] With32(byte[] file, int offset, uint value) =>
        With(file, f => BinaryPrimitives.WriteUInt32LittleEndian(f[offset..], value));

    public static byte[] With64(byte[] file, int offset, ulong value) =>
        With(file, f => BinaryPrimitives.WriteUInt64LittleEndian(f[offset..], value));

    private static int Align(int value, int align) => (value + align - 1) & -align;

    private static void Pad(List<byte> bytes, int align)
    {
        while (bytes.Count % align != 0)
        {
            bytes.Add(0);
        }
    }

    private sealed record Segment(uint Type, uint Flags, ulong Physical, ulong Virtual, byte[] Data, ulong MemorySize, ulong Align);
}

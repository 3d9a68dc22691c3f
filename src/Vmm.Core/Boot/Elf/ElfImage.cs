using System.Buffers.Binary;
using Vmm.Core.Memory;

namespace Vmm.Core.Boot.Elf;

/// <summary>
/// A parsed and format-checked ELF64 test kernel: its entry point and loadable segments. Placement against a
/// particular guest (RAM size, vCPU count) is checked by <see cref="ElfKernelLoader"/>.
/// </summary>
/// <remarks>
/// The file is hostile input: every offset and size is checked before use, with comparisons arranged so that
/// nothing can overflow (a length is compared with the room left, never an end computed by addition), and no
/// allocation depends on a size taken from the file.
/// </remarks>
internal sealed class ElfImage
{
    /// <summary>The most program headers accepted (real test kernels have a handful).</summary>
    public const int MaxProgramHeaders = 128;

    private ElfImage(byte[] data, bool isPositionIndependent, ulong entry, ElfLoadSegment[] segments, ElfNoteKinds notes)
    {
        Data = data;
        Notes = notes;
        IsPositionIndependent = isPositionIndependent;
        Entry = entry;
        Segments = segments;
    }

    /// <summary>The whole file.</summary>
    public byte[] Data { get; }

    /// <summary>True for ET_DYN: loaded at its <c>p_paddr</c> as-is, without relocation.</summary>
    public bool IsPositionIndependent { get; }

    /// <summary><c>e_entry</c>: where every vCPU starts (a physical address, as the environment identity-maps RAM).</summary>
    public ulong Entry { get; }

    /// <summary>The non-empty PT_LOAD segments, in program-header order.</summary>
    public IReadOnlyList<ElfLoadSegment> Segments { get; }

    /// <summary>Which notes that identify a Linux kernel the file carries.</summary>
    public ElfNoteKinds Notes { get; }

    /// <summary>Parses and checks <paramref name="data"/> (kept, not copied).</summary>
    /// <param name="data">The whole file.</param>
    /// <param name="allowPvhNote">
    /// False for test kernels (a PVH note means a kernel booted another way, refused with that reason); true for the
    /// Linux loader, which enters a vmlinux through the 64-bit boot protocol and ignores the note.
    /// </param>
    /// <exception cref="KernelLoadException">The file is not a loadable ELF64 x86-64 kernel.</exception>
    public static ElfImage Parse(byte[] data, bool allowPvhNote = false)
    {
        ArgumentNullException.ThrowIfNull(data);
        ReadOnlySpan<byte> file = data;
        ulong length = (ulong)file.Length;

        if (file.Length < 4 || !file[..4].SequenceEqual("\u007FELF"u8))
        {
            throw new KernelLoadException("not an ELF file (bad magic: it does not start with 0x7F 'E' 'L' 'F')");
        }

        if (file.Length <= Elf64.ClassIndex)
        {
            throw new KernelLoadException($"truncated ELF header: the file is {file.Length} bytes, an ELF64 header is {Elf64.HeaderSize}");
        }

        byte elfClass = file[Elf64.ClassIndex];
        if (elfClass == Elf64.Class32)
        {
            throw new KernelLoadException("ELF32 is not supported: vmm loads ELF64 test kernels (e_ident[EI_CLASS] is 1, ELFCLASS32)");
        }

        if (elfClass != Elf64.Class64)
        {
            throw new KernelLoadException($"unknown ELF class {elfClass} in e_ident[EI_CLASS] (expected 2, ELFCLASS64)");
        }

        if (file.Length < Elf64.HeaderSize)
        {
            throw new KernelLoadException($"truncated ELF header: the file is {file.Length} bytes, an ELF64 header is {Elf64.HeaderSize}");
        }

        byte encoding = file[Elf64.DataIndex];
        if (encoding == Elf64.Data2Msb)
        {
            throw new KernelLoadException("big-endian ELF (e_ident[EI_DATA] is 2, ELFDATA2MSB) is not supported: x86-64 kernels are little-endian");
        }

        if (encoding != Elf64.Data2Lsb)
        {
            throw new KernelLoadException($"unknown ELF data encoding {encoding} in e_ident[EI_DATA] (expected 1, ELFDATA2LSB)");
        }

        if (file[Elf64.IdentVersionIndex] != Elf64.CurrentVersion)
        {
            throw new KernelLoadException($"unsupported ELF version {file[Elf64.IdentVersionIndex]} in e_ident[EI_VERSION] (expected 1)");
        }

        ushort machine = BinaryPrimitives.ReadUInt16LittleEndian(file[Elf64.MachineOffset..]);
        if (machine != Elf64.MachineX86_64)
        {
            throw new KernelLoadException($"not x86-64 (e_machine {machine}; x86-64 is {Elf64.MachineX86_64}, EM_X86_64)");
        }

        uint version = BinaryPrimitives.ReadUInt32LittleEndian(file[Elf64.VersionOffset..]);
        if (version != Elf64.CurrentVersion)
        {
            throw new KernelLoadException($"unsupported ELF version {version} in e_version (expected 1)");
        }

        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(file[Elf64.TypeOffset..]);
        switch (type)
        {
            case Elf64.TypeExec:
            case Elf64.TypeDyn:
                break;
            case Elf64.TypeRel:
                throw new KernelLoadException("not an executable: e_type 1 (ET_REL) is a relocatable object; link it into an executable first");
            case Elf64.TypeCore:
                throw new KernelLoadException("not an executable: e_type 4 (ET_CORE) is a core dump");
            default:
                throw new KernelLoadException($"not an executable (e_type {type}; vmm loads ET_EXEC, or ET_DYN as-is)");
        }

        ulong entry = BinaryPrimitives.ReadUInt64LittleEndian(file[Elf64.EntryOffset..]);
        ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(file[Elf64.PhOffOffset..]);
        ushort phentsize = BinaryPrimitives.ReadUInt16LittleEndian(file[Elf64.PhEntSizeOffset..]);
        ushort phnum = BinaryPrimitives.ReadUInt16LittleEndian(file[Elf64.PhNumOffset..]);

        if (phnum == 0)
        {
            throw new KernelLoadException("no program headers (e_phnum is 0): nothing to load");
        }

        if (phnum == Elf64.ExtendedNumbering)
        {
            throw new KernelLoadException($"too many program headers (e_phnum is 0xFFFF, PN_XNUM extended numbering; vmm accepts at most {MaxProgramHeaders})");
        }

        if (phnum > MaxProgramHeaders)
        {
            throw new KernelLoadException($"too many program headers (e_phnum is {phnum}; vmm accepts at most {MaxProgramHeaders})");
        }

        if (phentsize != Elf64.ProgramHeaderSize)
        {
            throw new KernelLoadException($"e_phentsize is {phentsize}, expected {Elf64.ProgramHeaderSize} (the size of an ELF64 program header)");
        }

        ulong tableSize = (ulong)phnum * Elf64.ProgramHeaderSize;
        if (phoff > length || tableSize > length - phoff)
        {
            throw new KernelLoadException(
                $"truncated program headers: {phnum} entries at offset 0x{phoff:X} (e_phoff) need 0x{tableSize:X} bytes, but the file is 0x{length:X} bytes");
        }

        var headers = new ProgramHeader[phnum];
        for (int i = 0; i < phnum; i++)
        {
            headers[i] = ProgramHeader.Read(file.Slice((int)phoff + (i * Elf64.ProgramHeaderSize), Elf64.ProgramHeaderSize));
        }

        // What kind of file this is comes first: a PVH vmlinux or a dynamic executable would otherwise be
        // reported through a misleading symptom (an entry outside the segments, a segment in low memory).
        var notes = ElfNoteKinds.None;
        for (int i = 0; i < headers.Length; i++)
        {
            if (headers[i].Type == Elf64.SegmentInterp)
            {
                throw new KernelLoadException(
                    $"segment {i} is PT_INTERP: the file needs a dynamic loader; vmm loads static test kernels (link with -static -nostdlib)");
            }

            if (headers[i].Type == Elf64.SegmentNote)
            {
                notes |= CheckNotes(file, i, headers[i], allowPvhNote);
            }
        }

        var segments = new List<ElfLoadSegment>();
        for (int i = 0; i < headers.Length; i++)
        {
            ProgramHeader h = headers[i];
            if (h.Type != Elf64.SegmentLoad)
            {
                continue;
            }

            if (h.FileSize > h.MemorySize)
            {
                throw new KernelLoadException($"segment {i}: p_filesz 0x{h.FileSize:X} is larger than p_memsz 0x{h.MemorySize:X}");
            }

            CheckInFile(i, h, length);
            if (h.MemorySize == 0)
            {
                continue; // An empty PT_LOAD occupies nothing.
            }

            if (h.MemorySize > ulong.MaxValue - h.PhysicalAddress)
            {
                throw new KernelLoadException(
                    $"segment {i} at physical 0x{h.PhysicalAddress:X} with p_memsz 0x{h.MemorySize:X} runs past the end of the 64-bit address space");
            }

            segments.Add(new ElfLoadSegment(i, h.PhysicalAddress, h.VirtualAddress, h.Offset, h.FileSize, h.MemorySize, (ElfSegmentFlags)h.Flags));
        }

        if (segments.Count == 0)
        {
            throw new KernelLoadException("no loadable segments (no PT_LOAD program header with p_memsz > 0)");
        }

        ElfLoadSegment[] byAddress = [.. segments.OrderBy(s => s.PhysicalAddress)];
        for (int i = 1; i < byAddress.Length; i++)
        {
            ElfLoadSegment a = byAddress[i - 1];
            ElfLoadSegment b = byAddress[i];
            if (b.PhysicalAddress < a.PhysicalEnd)
            {
                throw new KernelLoadException(
                    $"segments {a.Index} (physical 0x{a.PhysicalAddress:X}-0x{a.PhysicalEnd - 1:X}) and {b.Index} (physical 0x{b.PhysicalAddress:X}-0x{b.PhysicalEnd - 1:X}) overlap");
            }
        }

        if (!segments.Any(s => entry >= s.PhysicalAddress && entry - s.PhysicalAddress < s.MemorySize))
        {
            throw new KernelLoadException(
                $"entry 0x{entry:X} (e_entry) is not inside any loadable segment (segments are loaded at p_paddr and identity-mapped, so the entry is a physical address)");
        }

        return new ElfImage(data, type == Elf64.TypeDyn, entry, [.. segments], notes);
    }

    /// <summary>Copies each segment's file bytes to its <c>p_paddr</c> and zeroes the rest up to <c>p_memsz</c> (placement already checked).</summary>
    public void WriteSegments(GuestMemory memory)
    {
        foreach (ElfLoadSegment s in Segments)
        {
            memory.Write(s.PhysicalAddress, Data.AsSpan((int)s.FileOffset, (int)s.FileSize));
            for (ulong done = s.FileSize; done < s.MemorySize;)
            {
                int chunk = (int)Math.Min(s.MemorySize - done, 1UL << 30);
                memory.GetSpan(s.PhysicalAddress + done, chunk).Clear();
                done += (ulong)chunk;
            }
        }
    }

    private static void CheckInFile(int index, in ProgramHeader h, ulong length)
    {
        if (h.Offset > length || h.FileSize > length - h.Offset)
        {
            throw new KernelLoadException(
                $"segment {index} is truncated: its 0x{h.FileSize:X} file bytes at offset 0x{h.Offset:X} (p_offset) run past the end of the file (0x{length:X} bytes)");
        }
    }

    /// <summary>Walks a PT_NOTE segment's notes (gABI "Note Section"); a Xen PVH entry note is refused unless allowed.</summary>
    private static ElfNoteKinds CheckNotes(ReadOnlySpan<byte> file, int index, in ProgramHeader h, bool allowPvhNote)
    {
        var kinds = ElfNoteKinds.None;
        CheckInFile(index, h, (ulong)file.Length);
        ReadOnlySpan<byte> notes = file.Slice((int)h.Offset, (int)h.FileSize);

        // Entries are padded to 4 bytes; toolchains mark the 8-byte-padded kind (.note.gnu.property) with p_align 8.
        int align = h.Align == 8 ? 8 : 4;
        int pos = 0;
        while (notes.Length - pos >= Elf64.NoteHeaderSize)
        {
            uint nameSize = BinaryPrimitives.ReadUInt32LittleEndian(notes[pos..]);
            uint descSize = BinaryPrimitives.ReadUInt32LittleEndian(notes[(pos + 4)..]);
            uint noteType = BinaryPrimitives.ReadUInt32LittleEndian(notes[(pos + 8)..]);

            // The descriptor starts at the note's header plus name, rounded up to the alignment, and the next
            // note after the descriptor, rounded up likewise (as binutils' ELF_NOTE_DESC_OFFSET / _NEXT_OFFSET).
            ulong room = (ulong)(notes.Length - pos);
            ulong descOffset = AlignUp(Elf64.NoteHeaderSize + (ulong)nameSize, align);
            if (descOffset > room || descSize > room - descOffset)
            {
                throw new KernelLoadException(
                    $"segment {index}: malformed note at file offset 0x{h.Offset + (ulong)pos:X} (n_namesz 0x{nameSize:X}, n_descsz 0x{descSize:X} run past the end of the PT_NOTE segment)");
            }

            ReadOnlySpan<byte> name = notes.Slice(pos + Elf64.NoteHeaderSize, (int)nameSize);
            if (name.TrimEnd((byte)0).SequenceEqual("Linux"u8))
            {
                kinds |= ElfNoteKinds.Linux;
            }

            bool pvh = noteType == Elf64.XenElfNotePhys32Entry && name.TrimEnd((byte)0).SequenceEqual("Xen"u8);
            if (pvh)
            {
                kinds |= ElfNoteKinds.XenPvhEntry;
            }

            if (pvh && !allowPvhNote)
            {
                throw new KernelLoadException(
                    $"segment {index} has a Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY): PVH kernels such as a Linux vmlinux are booted differently, "
                    + "through the PVH boot protocol, which vmm does not use; a Linux vmlinux is booted by the Linux loader instead");
            }

            // Both parts fit in the segment (at most int.MaxValue bytes), so nothing overflows; the last note's padding may be missing.
            ulong next = (ulong)pos + AlignUp(descOffset + descSize, align);
            pos = (int)Math.Min(next, (ulong)notes.Length);
        }

        return kinds;
    }

    private static ulong AlignUp(ulong value, int align) => (value + (ulong)(align - 1)) & ~(ulong)(align - 1);

    /// <summary>The fields of one Elf64_Phdr.</summary>
    private readonly record struct ProgramHeader(
        uint Type, uint Flags, ulong Offset, ulong VirtualAddress, ulong PhysicalAddress, ulong FileSize, ulong MemorySize, ulong Align)
    {
        public static ProgramHeader Read(ReadOnlySpan<byte> p) => new(
            BinaryPrimitives.ReadUInt32LittleEndian(p[Elf64.PTypeOffset..]),
            BinaryPrimitives.ReadUInt32LittleEndian(p[Elf64.PFlagsOffset..]),
            BinaryPrimitives.ReadUInt64LittleEndian(p[Elf64.POffsetOffset..]),
            BinaryPrimitives.ReadUInt64LittleEndian(p[Elf64.PVaddrOffset..]),
            BinaryPrimitives.ReadUInt64LittleEndian(p[Elf64.PPaddrOffset..]),
            BinaryPrimitives.ReadUInt64LittleEndian(p[Elf64.PFileSzOffset..]),
            BinaryPrimitives.ReadUInt64LittleEndian(p[Elf64.PMemSzOffset..]),
            BinaryPrimitives.ReadUInt64LittleEndian(p[Elf64.PAlignOffset..]));
    }
}

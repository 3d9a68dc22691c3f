namespace Vmm.Core.Boot.Elf;

/// <summary>ELF64 constants and field offsets (System V gABI, "ELF-64 Object File Format").</summary>
internal static class Elf64
{
    /// <summary>Size of the ELF64 file header (Elf64_Ehdr).</summary>
    public const int HeaderSize = 64;

    /// <summary>Size of one ELF64 program header (Elf64_Phdr).</summary>
    public const int ProgramHeaderSize = 56;

    // e_ident indexes and values.
    public const int ClassIndex = 4;           // EI_CLASS
    public const int DataIndex = 5;            // EI_DATA
    public const int IdentVersionIndex = 6;    // EI_VERSION
    public const byte Class32 = 1;             // ELFCLASS32
    public const byte Class64 = 2;             // ELFCLASS64
    public const byte Data2Lsb = 1;            // ELFDATA2LSB
    public const byte Data2Msb = 2;            // ELFDATA2MSB
    public const uint CurrentVersion = 1;      // EV_CURRENT

    // Elf64_Ehdr field offsets.
    public const int TypeOffset = 16;          // e_type (Elf64_Half)
    public const int MachineOffset = 18;       // e_machine (Elf64_Half)
    public const int VersionOffset = 20;       // e_version (Elf64_Word)
    public const int EntryOffset = 24;         // e_entry (Elf64_Addr)
    public const int PhOffOffset = 32;         // e_phoff (Elf64_Off)
    public const int PhEntSizeOffset = 54;     // e_phentsize (Elf64_Half)
    public const int PhNumOffset = 56;         // e_phnum (Elf64_Half)

    // e_type values.
    public const ushort TypeNone = 0;          // ET_NONE
    public const ushort TypeRel = 1;           // ET_REL
    public const ushort TypeExec = 2;          // ET_EXEC
    public const ushort TypeDyn = 3;           // ET_DYN
    public const ushort TypeCore = 4;          // ET_CORE

    /// <summary>EM_X86_64.</summary>
    public const ushort MachineX86_64 = 62;

    /// <summary>PN_XNUM: the real program header count is in section header 0 (extended numbering).</summary>
    public const ushort ExtendedNumbering = 0xFFFF;

    // Elf64_Phdr field offsets.
    public const int PTypeOffset = 0;          // p_type (Elf64_Word)
    public const int PFlagsOffset = 4;         // p_flags (Elf64_Word)
    public const int POffsetOffset = 8;        // p_offset (Elf64_Off)
    public const int PVaddrOffset = 16;        // p_vaddr (Elf64_Addr)
    public const int PPaddrOffset = 24;        // p_paddr (Elf64_Addr)
    public const int PFileSzOffset = 32;       // p_filesz (Elf64_Xword)
    public const int PMemSzOffset = 40;        // p_memsz (Elf64_Xword)
    public const int PAlignOffset = 48;        // p_align (Elf64_Xword)

    // p_type values.
    public const uint SegmentLoad = 1;         // PT_LOAD
    public const uint SegmentInterp = 3;       // PT_INTERP
    public const uint SegmentNote = 4;         // PT_NOTE

    /// <summary>Size of a note entry's header: n_namesz, n_descsz, n_type (three Elf64_Words).</summary>
    public const int NoteHeaderSize = 12;

    /// <summary>XEN_ELFNOTE_PHYS32_ENTRY (Xen public/elfnote.h): the 32-bit PVH entry point, owner "Xen".</summary>
    public const uint XenElfNotePhys32Entry = 18;
}

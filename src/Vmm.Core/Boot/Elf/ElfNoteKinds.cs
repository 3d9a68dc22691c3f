namespace Vmm.Core.Boot.Elf;

/// <summary>The notes of an ELF file that tell a Linux kernel from a test kernel.</summary>
[Flags]
public enum ElfNoteKinds
{
    /// <summary>None of the notes below.</summary>
    None = 0,

    /// <summary>A note owned by "Linux" (Linux include/linux/elfnote.h, e.g. the build salt a vmlinux carries).</summary>
    Linux = 1,

    /// <summary>XEN_ELFNOTE_PHYS32_ENTRY owned by "Xen": the PVH entry of a vmlinux built with CONFIG_PVH.</summary>
    XenPvhEntry = 2,
}

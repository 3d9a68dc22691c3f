namespace Vmm.Core.Boot.Elf;

/// <summary>One PT_LOAD segment of a kernel: <see cref="FileSize"/> bytes from the file, then zeros up to <see cref="MemorySize"/>.</summary>
/// <param name="Index">The program header's index in the file.</param>
/// <param name="PhysicalAddress">Where the segment is loaded (<c>p_paddr</c>).</param>
/// <param name="VirtualAddress">The address it was linked for (<c>p_vaddr</c>); informational, vmm loads by physical address.</param>
/// <param name="FileOffset">Offset of its bytes in the file (<c>p_offset</c>).</param>
/// <param name="FileSize">Bytes copied from the file (<c>p_filesz</c>).</param>
/// <param name="MemorySize">Bytes it occupies in memory (<c>p_memsz</c>); the part past <see cref="FileSize"/> is zeroed.</param>
/// <param name="Flags">Its permission bits (<c>p_flags</c>); informational, the identity map is read-write-execute.</param>
public sealed record ElfLoadSegment(
    int Index,
    ulong PhysicalAddress,
    ulong VirtualAddress,
    ulong FileOffset,
    ulong FileSize,
    ulong MemorySize,
    ElfSegmentFlags Flags)
{
    /// <summary>One past the segment's last physical byte.</summary>
    public ulong PhysicalEnd => PhysicalAddress + MemorySize;

    /// <summary>"R-X"-style permissions.</summary>
    public string Permissions => string.Concat(
        (Flags & ElfSegmentFlags.Read) != 0 ? "R" : "-",
        (Flags & ElfSegmentFlags.Write) != 0 ? "W" : "-",
        (Flags & ElfSegmentFlags.Execute) != 0 ? "X" : "-");

    /// <summary>A line for <c>vmm run</c>: "segment 1: 0x200000-0x200FFF R-X, 0x1000 bytes (0x800 from the file)".</summary>
    public override string ToString() =>
        $"segment {Index}: 0x{PhysicalAddress:X}-0x{PhysicalEnd - 1:X} {Permissions}, 0x{MemorySize:X} bytes (0x{FileSize:X} from the file)";
}

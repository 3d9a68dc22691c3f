namespace Vmm.Core.Boot.Elf;

/// <summary>A program header's <c>p_flags</c> permission bits (System V gABI).</summary>
[Flags]
public enum ElfSegmentFlags : uint
{
    /// <summary>No permissions.</summary>
    None = 0,

    /// <summary>PF_X: executable.</summary>
    Execute = 1,

    /// <summary>PF_W: writable.</summary>
    Write = 2,

    /// <summary>PF_R: readable.</summary>
    Read = 4,
}

namespace Vmm.Core.Boot.Linux;

/// <summary>The type of an e820 memory map entry (zero-page.rst <c>e820_table</c>; ACPI "Address Range Types").</summary>
public enum E820Type : uint
{
    /// <summary>E820_TYPE_RAM: usable RAM.</summary>
    Ram = 1,

    /// <summary>E820_TYPE_RESERVED: not to be used by the OS.</summary>
    Reserved = 2,
}

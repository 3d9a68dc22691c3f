namespace Vmm.Core.Boot.Linux;

/// <summary>One entry of the e820 map in boot_params: 20 bytes, {u64 addr, u64 size, u32 type} (zero-page.rst).</summary>
/// <param name="Address">First byte.</param>
/// <param name="Size">Length in bytes.</param>
/// <param name="Type">What the range is.</param>
public readonly record struct E820Entry(ulong Address, ulong Size, E820Type Type)
{
    /// <summary>Bytes of one entry in boot_params.</summary>
    public const int EncodedSize = 20;

    /// <summary>One past the last byte.</summary>
    public ulong End => Address + Size;

    /// <inheritdoc />
    public override string ToString() => $"[mem 0x{Address:x16}-0x{End - 1:x16}] {(Type == E820Type.Ram ? "usable" : "reserved")}";
}

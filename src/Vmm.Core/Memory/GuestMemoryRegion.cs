namespace Vmm.Core.Memory;

/// <summary>A contiguous range of guest-physical addresses backed by one host memory block.</summary>
/// <param name="GuestPhysicalAddress">First guest-physical address of the region.</param>
/// <param name="Block">The host memory behind it.</param>
public sealed record GuestMemoryRegion(ulong GuestPhysicalAddress, HostMemoryBlock Block)
{
    /// <summary>Size of the region in bytes.</summary>
    public ulong Size => Block.Size;

    /// <summary>One past the last guest-physical address.</summary>
    public ulong End => GuestPhysicalAddress + Block.Size;
}

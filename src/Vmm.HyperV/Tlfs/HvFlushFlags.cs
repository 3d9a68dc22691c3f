namespace Vmm.HyperV.Tlfs;

/// <summary>
/// HV_FLUSH_FLAGS: the Flags field (offset 8) of the four FlushVirtualAddress* hypercalls.
/// </summary>
/// <remarks>
/// TLFS hypercalls/HvCallFlushVirtualAddressSpace.md and HvCallFlushVirtualAddressList.md; docs/hyperv.md#flush-flags.
/// Every other bit is reserved and must be zero (TLFS: "All other flags are reserved and must be set to zero");
/// bits 4, 8 and 9 are VTL targeting in OpenVMM's definitions only and are not offered here.
/// </remarks>
[Flags]
public enum HvFlushFlags : ulong
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>Bit 0, HV_FLUSH_ALL_PROCESSORS: every VP of the partition; ProcessorMask / ProcessorSet is ignored.</summary>
    AllProcessors = 1UL << 0,

    /// <summary>Bit 1, HV_FLUSH_ALL_VIRTUAL_ADDRESS_SPACES: every address space; AddressSpace is ignored.</summary>
    AllVirtualAddressSpaces = 1UL << 1,

    /// <summary>Bit 2, HV_FLUSH_NON_GLOBAL_MAPPINGS_ONLY: keep global translations. Invalid for the List variants (TLFS).</summary>
    NonGlobalMappingsOnly = 1UL << 2,

    /// <summary>
    /// Bit 3, HV_FLUSH_USE_EXTENDED_RANGE_FORMAT: the GVA list uses <see cref="HvGvaRange"/>'s extended encoding.
    /// Only valid when CPUID 0x40000003.EDX bit 14 is advertised (docs/hyperv.md#flush-flags).
    /// </summary>
    UseExtendedRangeFormat = 1UL << 3,
}

using Vmm.Core.Memory;

namespace Vmm.Core.Hypervisor;

/// <summary>
/// A hypervisor backend (KVM, WHP): reports what it can do and creates partitions. The top of the
/// three-level backend contract hypervisor → partition → virtual processor; nothing outside a backend
/// names a backend type.
/// </summary>
public interface IHypervisor : IDisposable
{
    /// <summary>Short backend name as the command line spells it ("kvm", "whp").</summary>
    string Name { get; }

    /// <summary>What this backend and host support.</summary>
    HypervisorCapabilities Capabilities { get; }

    /// <summary>The CPUID leaves this host can give a guest, before any VMM policy is applied.</summary>
    CpuidTable GetSupportedCpuid();

    /// <summary>Allocates page-aligned, zeroed host memory that this backend can map as guest RAM.</summary>
    HostMemoryBlock AllocateGuestMemory(ulong size);

    /// <summary>Creates a partition (a VM) with its memory mapped and its virtual processors created.</summary>
    /// <exception cref="HypervisorException">The platform refused.</exception>
    IPartition CreatePartition(PartitionOptions options);
}

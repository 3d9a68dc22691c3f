using Vmm.Core.Memory;

namespace Vmm.Core.Hypervisor;

/// <summary>A partition (a VM): guest memory mappings, virtual processors and interrupt delivery.</summary>
public interface IPartition : IDisposable
{
    /// <summary>Guest RAM as mapped into this partition.</summary>
    GuestMemory Memory { get; }

    /// <summary>The virtual processors, indexed by vCPU index.</summary>
    IReadOnlyList<IVirtualProcessor> Processors { get; }

    /// <summary>Sets the level of an interrupt line of the platform's interrupt controller (ISA IRQ or GSI).</summary>
    void SetIrqLine(uint irq, bool level);

    /// <summary>Delivers a fixed interrupt with <paramref name="vector"/> to the vCPU with index <paramref name="processorIndex"/>.</summary>
    void SendFixedInterrupt(int processorIndex, byte vector);
}

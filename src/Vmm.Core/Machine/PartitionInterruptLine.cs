using Vmm.Core.Devices;
using Vmm.Core.Hypervisor;

namespace Vmm.Core.Machine;

/// <summary>An ISA interrupt line of the partition's interrupt controller.</summary>
internal sealed class PartitionInterruptLine : IInterruptLine
{
    private readonly IPartition _partition;
    private readonly uint _irq;

    public PartitionInterruptLine(IPartition partition, uint irq)
    {
        _partition = partition;
        _irq = irq;
    }

    public void Set(bool level) => _partition.SetIrqLine(_irq, level);
}

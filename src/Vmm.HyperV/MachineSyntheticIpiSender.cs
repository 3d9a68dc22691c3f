using Vmm.Core.Machine;
using Vmm.HyperV.Hypercalls;

namespace Vmm.HyperV;

/// <summary>
/// Delivers the interrupts of HvCallSendSyntheticClusterIpi / Ex through the machine's partition: a fixed,
/// edge-triggered interrupt per target vCPU (docs/hyperv.md#cluster-ipi). No waiting and no allocation.
/// </summary>
public sealed class MachineSyntheticIpiSender : ISyntheticIpiSender
{
    private readonly Machine _machine;

    /// <summary>Creates the sender for <paramref name="machine"/>.</summary>
    public MachineSyntheticIpiSender(Machine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        _machine = machine;
    }

    /// <inheritdoc />
    public void SendFixedInterrupt(int vcpu, byte vector) => _machine.Partition.SendFixedInterrupt(vcpu, vector);
}

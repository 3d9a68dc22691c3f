using Vmm.Core.Hypervisor;
using Vmm.Core.Machine;
using Vmm.Core.Registers;
using Vmm.HyperV.Hypercalls;

namespace Vmm.HyperV;

/// <summary>
/// RSP and CR3 of a vCPU inside its hypercall exit, through the backend's register access (KVM: RSP from the
/// kvm_run sync area, CR3 by KVM_GET_SREGS). Only traced calls ask, so the extra register read is theirs alone.
/// </summary>
public sealed class MachineCallerRegisters : IHypercallCallerRegisters
{
    private readonly Machine _machine;

    /// <summary>Creates the reader for <paramref name="machine"/>.</summary>
    public MachineCallerRegisters(Machine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        _machine = machine;
    }

    /// <inheritdoc />
    public bool TryRead(int processorIndex, out ulong stackPointer, out ulong pageTableBase)
    {
        try
        {
            IVirtualProcessor processor = _machine.Processors[processorIndex];
            processor.GetRegisters(out StandardRegisters registers);
            processor.GetSpecialRegisters(out SpecialRegisters special);
            stackPointer = registers.Rsp;
            pageTableBase = special.Cr3;
            return true;
        }
        catch (HypervisorException)
        {
            // A trace must never stop the VM: the record says the registers were unavailable.
            stackPointer = 0;
            pageTableBase = 0;
            return false;
        }
    }
}

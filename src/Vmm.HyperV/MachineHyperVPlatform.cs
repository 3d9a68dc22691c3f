using Vmm.Core.Machine;
using Vmm.Core.Registers;
using Vmm.HyperV.Msrs;

namespace Vmm.HyperV;

/// <summary>
/// What the synthetic MSRs need from a running machine: the guest TSC of the calling vCPU (read through the
/// backend, IA32_TIME_STAMP_COUNTER), the partition's TSC and APIC timer frequencies, each vCPU's run time, and
/// a way to reset.
/// </summary>
public sealed class MachineHyperVPlatform : IHyperVPlatform
{
    private const uint Ia32TimeStampCounter = 0x10;

    private readonly Machine _machine;

    /// <summary>Creates the adapter for <paramref name="machine"/>.</summary>
    public MachineHyperVPlatform(Machine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        _machine = machine;
    }

    /// <inheritdoc />
    public ulong TscFrequency => _machine.Partition.TscFrequencyHz;

    /// <inheritdoc />
    public ulong ApicTimerFrequency => _machine.Partition.ApicTimerFrequencyHz;

    /// <inheritdoc />
    public ulong ReadGuestTsc(int processorIndex)
    {
        Span<MsrEntry> tsc = [new MsrEntry(Ia32TimeStampCounter)];
        _machine.Processors[processorIndex].GetMsrs(tsc);
        return tsc[0].Value;
    }

    /// <inheritdoc />
    public ulong GetRunTime(int processorIndex) => (ulong)_machine.Vcpus[processorIndex].RunTime.Ticks; // 100 ns units

    /// <inheritdoc />
    public void RequestReset() =>
        _machine.RequestStop(new MachineExit(MachineExitReason.Reset, 0, -1, "the guest wrote HV_X64_MSR_RESET (reset is not implemented: the VM stops)"));
}

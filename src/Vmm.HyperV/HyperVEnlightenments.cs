using Vmm.Core.Machine;
using Vmm.HyperV.Cpuid;
using Vmm.HyperV.Msrs;

namespace Vmm.HyperV;

/// <summary>
/// The Hyper-V enlightenments of one machine, attached to its exit dispatcher: the synthetic MSRs and the
/// hypercall dispatcher, both driven by one <see cref="HyperVFeatureProfile"/> (the CPUID leaves come from the
/// same profile, so what is advertised is exactly what is served).
/// </summary>
public sealed class HyperVEnlightenments
{
    private HyperVEnlightenments(HyperVFeatureProfile profile, SyntheticMsrs msrs)
    {
        Profile = profile;
        Msrs = msrs;
    }

    /// <summary>What is advertised.</summary>
    public HyperVFeatureProfile Profile { get; }

    /// <summary>The synthetic MSRs.</summary>
    public SyntheticMsrs Msrs { get; }

    /// <summary>Creates the enlightenments for <paramref name="machine"/> and routes its MSR exits to them.</summary>
    /// <remarks>Call before <see cref="Machine.Start"/>.</remarks>
    public static HyperVEnlightenments Attach(Machine machine, HyperVFeatureProfile profile)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(profile);
        var msrs = new SyntheticMsrs(profile, machine.Memory, machine.Processors.Count, machine.Partition.HypercallPageCode, new MachineHyperVPlatform(machine));
        machine.Dispatcher.MsrHandler = msrs;
        return new HyperVEnlightenments(profile, msrs);
    }
}

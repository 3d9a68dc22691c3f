using Vmm.Core.Machine;
using Vmm.Core.TlbFlush;
using Vmm.HyperV.Cpuid;
using Vmm.HyperV.Hypercalls;
using Vmm.HyperV.TlbFlush;
using Vmm.HyperV.Msrs;

namespace Vmm.HyperV;

/// <summary>
/// The Hyper-V enlightenments of one machine, attached to its exit dispatcher: the synthetic MSRs and the
/// hypercall dispatcher, both driven by one <see cref="HyperVFeatureProfile"/> (the CPUID leaves come from the
/// same profile, so what is advertised is exactly what is served).
/// </summary>
public sealed class HyperVEnlightenments
{
    private HyperVEnlightenments(HyperVFeatureProfile profile, SyntheticMsrs msrs, HypercallDispatcher hypercalls)
    {
        Profile = profile;
        Msrs = msrs;
        Hypercalls = hypercalls;
    }

    /// <summary>What is advertised.</summary>
    public HyperVFeatureProfile Profile { get; }

    /// <summary>The synthetic MSRs.</summary>
    public SyntheticMsrs Msrs { get; }

    /// <summary>The hypercall dispatcher (handlers for the calls the profile offers are registered).</summary>
    public HypercallDispatcher Hypercalls { get; }

    /// <summary>Creates the enlightenments for <paramref name="machine"/> and routes its MSR and hypercall exits to them.</summary>
    /// <param name="machine">The machine, not yet started.</param>
    /// <param name="profile">What the guest is offered (the same profile built its CPUID leaves).</param>
    /// <param name="tracer">Receives one record per hypercall, or null for none (no timestamps are taken then).</param>
    /// <param name="vpIndices">VP index of each vCPU, or null for VP index = vCPU index.</param>
    /// <param name="unsafeSkipFlush">Acknowledge flush hypercalls without flushing (a debugging switch: guests see stale translations).</param>
    public static HyperVEnlightenments Attach(Machine machine, HyperVFeatureProfile profile, IHypercallTracer? tracer = null, IReadOnlyList<int>? vpIndices = null, bool unsafeSkipFlush = false)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(profile);
        int processors = machine.Processors.Count;
        IVpIndexMap map = vpIndices is null ? VpIndexMap.Identity(processors) : VpIndexMap.FromVpIndices([.. vpIndices]);
        var msrs = new SyntheticMsrs(profile, machine.Memory, processors, machine.Partition.HypercallPageCode, new MachineHyperVPlatform(machine))
        {
            VpIndexMap = map,
        };
        var options = new HypercallDispatcherOptions { CallerRegisters = tracer is null ? null : new MachineCallerRegisters(machine) };
        var hypercalls = new HypercallDispatcher(profile, machine.Memory, processors, tracer, options);
        hypercalls.Register(new NotifyLongSpinWaitHypercall());
        ITlbFlushEngine engine = unsafeSkipFlush ? UnsafeSkipTlbFlushEngine.Instance : machine.TlbFlush;
        FlushHypercalls.RegisterAll(hypercalls, engine, new MachineSyntheticIpiSender(machine), map, profile.Has(HyperVFeature.ExtendedGvaRanges));
        machine.Dispatcher.MsrHandler = msrs;
        machine.Dispatcher.HypercallHandler = hypercalls;
        return new HyperVEnlightenments(profile, msrs, hypercalls);
    }
}

using Serilog;
using Vmm.Core.Boot;
using Vmm.Core.Hypervisor;
using Vmm.Core.Machine;
using Vmm.HyperV;
using Vmm.HyperV.Cpuid;
using Vmm.HyperV.Hypercalls;

namespace Vmm.Host;

/// <summary>
/// Builds a machine the way every `vmm` command does: guest-visible CPUID is the backend's with its hypervisor
/// leaves replaced by the Hyper-V leaves of the profile; the synthetic MSR range exits to userspace; hypercalls
/// are delivered when the profile has them; then the enlightenments are attached to the exit dispatcher.
/// </summary>
public static class VmFactory
{
    /// <summary>The synthetic MSR range (TLFS: 0x40000000-0x400000FF) routed to userspace on every backend.</summary>
    public static readonly MsrRange SyntheticMsrRange = new(0x4000_0000, 0x4000_00FF);

    /// <summary>Creates (but does not start) a machine for <paramref name="loader"/>.</summary>
    public static Machine Create(IHypervisor hypervisor, VmConfiguration config, IGuestLoader loader, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(config);
        HyperVFeatureProfile profile = config.HyperV;
        int cpus = config.Cpus;
        var options = new MachineOptions
        {
            ProcessorCount = cpus,
            MemorySize = config.Memory,
            SerialOutput = config.Serial,
            CpuidPolicy = supported =>
            {
                CpuidTable table = Machine.DefaultCpuidPolicy(supported);
                HvCpuidLeaves.ApplyTo(table, profile, cpus);
                return table;
            },
            UserspaceMsrRanges = [SyntheticMsrRange],
            EnableHypercalls = profile.Has(HyperVFeature.Hypercall),
            PlatformTlbFlush = config.PlatformTlbFlush,
            FlushStrategy = config.FlushStrategy,
        };
        Machine machine = Machine.Create(hypervisor, options, loader, log);
        try
        {
            AttachEnlightenments(machine, config, log);
            return machine;
        }
        catch
        {
            machine.Dispose();
            throw;
        }
    }

    private static void AttachEnlightenments(Machine machine, VmConfiguration config, ILogger log)
    {
        HypercallTraceWriter? tracer = null;
        if (config.HypercallTrace is not null)
        {
            // The machine flushes and drops the writer after its vCPU threads are joined: no line is cut short.
            tracer = new HypercallTraceWriter(config.HypercallTrace, leaveOpen: true, config.HypercallTraceMaxSize);
            machine.DisposeWith(new TraceWriterOwner(tracer, config.HypercallTraceReport));
        }

        HyperVEnlightenments enlightenments = HyperVEnlightenments.Attach(machine, config.HyperV, tracer, config.VpIndices, config.UnsafeSkipFlush);
        log.Debug("Hyper-V enlightenments: {Profile}", enlightenments.Profile);
    }

    /// <summary>Finishes the trace writer with the machine, then reports what it wrote and dropped.</summary>
    private sealed class TraceWriterOwner(HypercallTraceWriter writer, Action<HypercallTraceStatistics>? report) : IDisposable
    {
        public void Dispose()
        {
            writer.Dispose();
            report?.Invoke(writer.Statistics);
        }
    }
}

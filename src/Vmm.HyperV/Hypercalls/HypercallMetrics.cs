using System.Diagnostics.Metrics;

namespace Vmm.HyperV.Hypercalls;

/// <summary>
/// The hypercall dispatcher's instruments (System.Diagnostics.Metrics, meter "Vmm.Hypercalls"), beside the flush
/// engine's "Vmm.TlbFlush": `dotnet-counters monitor -n vmm --counters Vmm.Hypercalls` watches a running VM. Calls
/// are tagged with the TLFS call name (<c>name</c>; <c>unknown</c> for codes the TLFS does not define) and status (<c>status</c>: the HV_STATUS name, or <c>#UD</c>).
/// </summary>
/// <remarks>
/// With no listener the instruments are disabled and the dispatcher skips them, its timestamps included: an
/// unwatched VM pays one field read per call.
/// </remarks>
public static class HypercallMetrics
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "Vmm.Hypercalls";

    /// <summary>The calls counter's name.</summary>
    public const string CallsName = "vmm.hypercalls.calls";

    /// <summary>The duration histogram's name.</summary>
    public const string DurationName = "vmm.hypercalls.duration";

    /// <summary>The tag holding the call name.</summary>
    public const string NameTag = "name";

    /// <summary>The tag holding the status.</summary>
    public const string StatusTag = "status";

    /// <summary>The name tag of every call whose code the TLFS does not define (bounded cardinality).</summary>
    public const string UnknownCallName = "unknown";

    /// <summary>The status tag of a call answered with #UD.</summary>
    public const string InvalidOpcodeStatus = "#UD";

    private static readonly Meter s_meter = new(MeterName);

    internal static readonly Counter<long> Calls = s_meter.CreateCounter<long>(CallsName, description: "Hypercalls ended, by call name and status");

    internal static readonly Histogram<double> Duration = s_meter.CreateHistogram<double>(DurationName, unit: "us", description: "Time in the dispatcher per call (validation, handler, completion)");
}

using System.Diagnostics.Metrics;

namespace Vmm.Core.TlbFlush;

/// <summary>
/// The flush engine's instruments (System.Diagnostics.Metrics, meter "Vmm.TlbFlush"), so `dotnet-counters monitor
/// -n vmm --counters Vmm.TlbFlush` can watch a running VMM: requests, targets, targets kicked and awaited, targets
/// not waited for, and latency histograms per stage (whole request; waiting for kicked targets), in µs.
/// </summary>
public static class TlbFlushMetrics
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "Vmm.TlbFlush";

    private static readonly Meter s_meter = new(MeterName);

    internal static readonly Counter<long> Requests = s_meter.CreateCounter<long>("vmm.tlbflush.requests", description: "Remote TLB-flush requests served");

    internal static readonly Counter<long> Targets = s_meter.CreateCounter<long>("vmm.tlbflush.targets", description: "Target vCPUs, summed over requests");

    internal static readonly Counter<long> Kicked = s_meter.CreateCounter<long>("vmm.tlbflush.kicked", description: "Targets in the guest, kicked and awaited");

    internal static readonly Counter<long> Deferred = s_meter.CreateCounter<long>("vmm.tlbflush.deferred", description: "Targets reported descheduled in the guest, flushed by the platform when they run again, not awaited");

    internal static readonly Counter<long> NotWaited = s_meter.CreateCounter<long>("vmm.tlbflush.not_waited", description: "Targets outside the guest, flushed at their next entry without waiting");

    internal static readonly Histogram<double> Latency = s_meter.CreateHistogram<double>("vmm.tlbflush.latency", unit: "us", description: "From the request to completion");

    internal static readonly Histogram<double> WaitLatency = s_meter.CreateHistogram<double>("vmm.tlbflush.wait", unit: "us", description: "Waiting for kicked targets to leave the guest");
}

using System.Diagnostics;

namespace Vmm.Core.TlbFlush;

/// <summary>
/// Resolves <see cref="TlbFlushStrategy.Auto"/> when a machine is created, before any vCPU runs, by a probe:
/// <list type="number">
/// <item>Does the platform mark descheduled vCPUs as preempted (upstream KVM does, PVM never)? Then kick-and-wait
/// hands preempted targets to the platform instead of waiting for them, which removes the wait the platform-wide
/// flush exists to avoid, and flushes only the targets: kick, without probing (measured on nested upstream KVM,
/// 100 rounds at 8 vCPUs on 2 host CPUs: kick p50 3.0 ms with 646 of 700 targets deferred, memslot p50 44 ms,
/// whose slot update makes KVM rebuild every vCPU's page tables; docs/tlb-flush.md#strategies).</item>
/// <item>Is there a platform-wide flush, and what does one cost? It is timed <see cref="ProbeFlushes"/> times (median).
/// A platform without one (WHP), or one slower than <see cref="MaxPlatformFlush"/>, means kick-and-wait.</item>
/// <item>Do the vCPUs outnumber the host CPUs this process may use? If not, a kicked target is on a CPU and leaves
/// the guest within microseconds, and kick-and-wait flushes only the targets (the platform-wide flush makes every
/// vCPU rebuild its shadow pages). If they do, a kicked target must first be scheduled, which takes milliseconds
/// (docs/tlb-flush.md#costs: p50 10.4 ms at 4 vCPUs on 2 CPUs), while the platform-wide flush waits only for vCPUs
/// that are running (README "Flush strategies" has the measured comparison).</item>
/// </list>
/// </summary>
public static class TlbFlushStrategySelector
{
    /// <summary>Platform-wide flushes timed by the probe.</summary>
    public const int ProbeFlushes = 5;

    /// <summary>
    /// A platform-wide flush slower than this before any vCPU runs is not worth it: about one host scheduler time
    /// slice, what a kicked target that must first get a CPU costs (docs/tlb-flush.md#costs). Not lower: on a loaded
    /// host the probe itself waits for CPUs (medians of 1-5 ms were seen here at load 5-10, against 35 µs idle).
    /// </summary>
    public static readonly TimeSpan MaxPlatformFlush = TimeSpan.FromMilliseconds(10);

    /// <summary>The command-line name of a strategy (`--flush-strategy`): kick, memslot or auto.</summary>
    public static string NameOf(TlbFlushStrategy strategy) => strategy switch
    {
        TlbFlushStrategy.KickAndWait => "kick",
        TlbFlushStrategy.PlatformWide => "memslot",
        _ => "auto",
    };

    /// <summary>Resolves <paramref name="requested"/> for <paramref name="vcpus"/> vCPUs on <paramref name="hostCpus"/> host CPUs.</summary>
    /// <param name="requested">The configured strategy; anything but <see cref="TlbFlushStrategy.Auto"/> is returned as is.</param>
    /// <param name="vcpus">vCPUs in the machine.</param>
    /// <param name="hostCpus">Host CPUs this process may run on (<see cref="Environment.ProcessorCount"/>).</param>
    /// <param name="reportsPreemption">The platform marks descheduled vCPUs preempted (<see cref="Hypervisor.HypervisorCapabilities.ReportsPreemptedProcessors"/>).</param>
    /// <param name="platformFlush">The platform-wide flush; returns false when the platform has none.</param>
    /// <returns>The concrete strategy and the reason.</returns>
    public static TlbFlushStrategyChoice Choose(TlbFlushStrategy requested, int vcpus, int hostCpus, bool reportsPreemption, Func<bool> platformFlush)
    {
        ArgumentNullException.ThrowIfNull(platformFlush);
        if (requested != TlbFlushStrategy.Auto)
        {
            return new TlbFlushStrategyChoice(requested, string.Empty, Automatic: false);
        }

        if (reportsPreemption)
        {
            return new TlbFlushStrategyChoice(TlbFlushStrategy.KickAndWait, "this KVM marks descheduled vCPUs preempted: they are handed to it, not awaited", Automatic: true);
        }

        Span<long> ticks = stackalloc long[ProbeFlushes];
        for (int i = 0; i < ticks.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            if (!platformFlush())
            {
                return new TlbFlushStrategyChoice(TlbFlushStrategy.KickAndWait, "no platform-wide flush here", Automatic: true);
            }

            ticks[i] = Stopwatch.GetTimestamp() - start;
        }

        ticks.Sort();
        TimeSpan cost = Stopwatch.GetElapsedTime(0, ticks[ticks.Length / 2]);
        string measured = $"platform-wide flush {cost.TotalMicroseconds:0} µs";
        if (cost > MaxPlatformFlush)
        {
            return new TlbFlushStrategyChoice(TlbFlushStrategy.KickAndWait, $"{measured}, slower than {MaxPlatformFlush.TotalMilliseconds:0} ms", Automatic: true);
        }

        return vcpus > hostCpus
            ? new TlbFlushStrategyChoice(TlbFlushStrategy.PlatformWide, $"{vcpus} vCPUs on {hostCpus} host CPUs, {measured}", Automatic: true)
            : new TlbFlushStrategyChoice(TlbFlushStrategy.KickAndWait, $"{vcpus} vCPUs on {hostCpus} host CPUs: kicked targets are on a CPU", Automatic: true);
    }
}

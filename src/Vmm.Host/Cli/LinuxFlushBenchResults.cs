namespace Vmm.Host.Cli;

/// <summary>
/// The arithmetic of `vmm bench linux-flush`: medians per mode and vCPU count over the boots that counted, and the
/// goal ratios of issue 14 on the guest sys time: IPI ÷ vmm PV ≥ 2.4 and vmm PV ÷ KVM's in-kernel PV ≤ 1.2.
/// </summary>
internal static class LinuxFlushBenchResults
{
    /// <summary>Guest sys time with IPI shootdowns over vmm's PV flush: at least this.</summary>
    public const double IpiOverPvGoal = 2.4;

    /// <summary>Guest sys time with vmm's PV flush over KVM's in-kernel one: at most this.</summary>
    public const double PvOverKvmGoal = 1.2;

    /// <summary>One row per vCPU count and mode, vCPUs ascending, modes in the order the samples first name them.</summary>
    public static IReadOnlyList<LinuxFlushBenchRow> Rows(IEnumerable<LinuxFlushSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        LinuxFlushSample[] all = [.. samples];
        LinuxFlushMode[] order = [.. all.Select(s => s.Mode).Distinct()];
        return [.. all
            .GroupBy(s => (s.Vcpus, s.Mode))
            .OrderBy(g => g.Key.Vcpus)
            .ThenBy(g => Array.IndexOf(order, g.Key.Mode))
            .Select(g =>
            {
                LinuxFlushReport[] passed = [.. g.Where(s => s.Passed).Select(s => s.Report!)];
                long[] requests = [.. g.Where(s => s.Passed && s.VmmRequests is not null).Select(s => s.VmmRequests!.Value)];
                return new LinuxFlushBenchRow(
                    g.Key.Mode,
                    g.Key.Vcpus,
                    LinuxBootBenchResults.Median(passed.Select(r => r.ElapsedUs / 1000.0)),
                    LinuxBootBenchResults.Median(passed.Select(r => r.SysUs / 1000.0)),
                    LinuxBootBenchResults.Median(passed.Select(r => r.StatKernelMs)),
                    LinuxBootBenchResults.Median(passed.Where(r => r.Tracepoint is not null).Select(r => (double)r.Tracepoint!.Value)),
                    LinuxBootBenchResults.Median(requests.Select(r => (double)r)),
                    LinuxBootBenchResults.Median(passed.Select(r => (double)r.TlbDelta)),
                    passed.Length,
                    g.Count() - passed.Length,
                    g.FirstOrDefault(s => !s.Passed)?.Failure,
                    LinuxBootBenchResults.Median(g.Where(s => s.Passed && s.VmmP50Us is not null).Select(s => s.VmmP50Us!.Value)));
            })];
    }

    /// <summary>
    /// The goal ratios the rows allow, per vCPU count and vmm strategy: IPI sys ÷ vmm PV sys, and vmm PV sys ÷ KVM PV
    /// sys. A ratio whose rows have no median, or whose divisor is 0, is left out.
    /// </summary>
    public static IReadOnlyList<FlushBenchGoal> Goals(IReadOnlyList<LinuxFlushBenchRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var goals = new List<FlushBenchGoal>();
        foreach (IGrouping<int, LinuxFlushBenchRow> group in rows.GroupBy(r => r.Vcpus))
        {
            LinuxFlushBenchRow? ipi = group.FirstOrDefault(r => r.Mode.Mechanism == LinuxFlushMechanism.Ipi);
            LinuxFlushBenchRow? kvm = group.FirstOrDefault(r => r.Mode.Mechanism == LinuxFlushMechanism.KvmPv);
            foreach (LinuxFlushBenchRow pv in group.Where(r => r.Mode.Mechanism == LinuxFlushMechanism.VmmPv))
            {
                string strategy = pv.Mode.Strategy ?? "?";
                if (ipi?.SysMs is double ipiSys && pv.SysMs is double pvSys && pvSys > 0)
                {
                    goals.Add(new FlushBenchGoal($"guest sys IPI / vmm PV at {group.Key} vCPUs", strategy, ipiSys / pvSys, AtLeast: true, IpiOverPvGoal));
                }

                if (kvm?.SysMs is double kvmSys && pv.SysMs is double pvSys2 && kvmSys > 0)
                {
                    goals.Add(new FlushBenchGoal($"guest sys vmm PV / KVM PV at {group.Key} vCPUs", strategy, pvSys2 / kvmSys, AtLeast: false, PvOverKvmGoal));
                }
            }
        }

        return goals;
    }
}

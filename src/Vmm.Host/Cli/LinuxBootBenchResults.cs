namespace Vmm.Host.Cli;

/// <summary>
/// The arithmetic of `vmm bench linux-boot`: medians per runner and vCPU count over the boots that passed, and
/// vmm ÷ QEMU per vCPU count. Failed boots are counted, never averaged in.
/// </summary>
internal static class LinuxBootBenchResults
{
    /// <summary>The runner as the table and the JSON name it.</summary>
    public static string NameOf(LinuxBootRunner runner) => runner switch
    {
        LinuxBootRunner.Vmm => "vmm",
        LinuxBootRunner.Qemu => "qemu",
        LinuxBootRunner.VmmInProcess => "vmm in-process",
        _ => throw new ArgumentOutOfRangeException(nameof(runner)),
    };

    /// <summary>The median (the mean of the middle two for an even count), or null for no values.</summary>
    public static double? Median(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        double[] sorted = [.. values.Order()];
        if (sorted.Length == 0)
        {
            return null;
        }

        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>One row per vCPU count and runner, in the order the samples first name them.</summary>
    public static IReadOnlyList<LinuxBootBenchRow> Rows(IEnumerable<LinuxBootSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        return [.. samples
            .GroupBy(s => (s.Vcpus, s.Runner))
            .OrderBy(g => g.Key.Vcpus)
            .ThenBy(g => g.Key.Runner)
            .Select(g =>
            {
                LinuxBootSample[] passed = [.. g.Where(s => s.Passed).OrderBy(s => s.Run)];
                return new LinuxBootBenchRow(
                    g.Key.Runner,
                    g.Key.Vcpus,
                    Median(passed.Select(s => s.MarkerSeconds!.Value)),
                    Median(passed.Select(s => s.ExitSeconds)),
                    Median(passed.Where(s => s.GuestUptimeSeconds is not null).Select(s => s.GuestUptimeSeconds!.Value)),
                    Median(passed.Where(s => s.BeforeKernelSeconds is not null).Select(s => s.BeforeKernelSeconds!.Value)),
                    passed.Length,
                    g.Count() - passed.Length,
                    [.. passed.Select(s => s.MarkerSeconds!.Value)]);
            })];
    }

    /// <summary>vmm ÷ QEMU (each vmm runner) at every vCPU count where both have a median.</summary>
    public static IReadOnlyList<LinuxBootBenchRatio> Ratios(IEnumerable<LinuxBootBenchRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        LinuxBootBenchRow[] all = [.. rows];
        var ratios = new List<LinuxBootBenchRatio>();
        foreach (LinuxBootBenchRow qemu in all.Where(r => r.Runner == LinuxBootRunner.Qemu && r.MarkerSeconds > 0 && r.ExitSeconds > 0))
        {
            foreach (LinuxBootBenchRow vmm in all.Where(r => r.Vcpus == qemu.Vcpus && r.Runner != LinuxBootRunner.Qemu && r.MarkerSeconds is not null))
            {
                ratios.Add(new LinuxBootBenchRatio(vmm.Runner, vmm.Vcpus, vmm.MarkerSeconds!.Value / qemu.MarkerSeconds!.Value, vmm.ExitSeconds!.Value / qemu.ExitSeconds!.Value));
            }
        }

        return [.. ratios.OrderBy(r => r.Vcpus).ThenBy(r => r.Runner)];
    }
}

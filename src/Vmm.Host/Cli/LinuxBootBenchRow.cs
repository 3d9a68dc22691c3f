namespace Vmm.Host.Cli;

/// <summary>The medians of one runner at one vCPU count, over the boots that passed.</summary>
/// <param name="Runner">Who booted.</param>
/// <param name="Vcpus">vCPUs.</param>
/// <param name="MarkerSeconds">Median start to marker, or null when no boot passed.</param>
/// <param name="ExitSeconds">Median start to exit, or null.</param>
/// <param name="GuestUptimeSeconds">Median guest uptime at the marker, or null.</param>
/// <param name="BeforeKernelSeconds">Median start to marker minus uptime, or null.</param>
/// <param name="Passed">Boots that passed.</param>
/// <param name="Failed">Boots that did not.</param>
/// <param name="MarkerRuns">Start to marker of every passed boot, in run order.</param>
internal sealed record LinuxBootBenchRow(
    LinuxBootRunner Runner, int Vcpus, double? MarkerSeconds, double? ExitSeconds, double? GuestUptimeSeconds, double? BeforeKernelSeconds,
    int Passed, int Failed, IReadOnlyList<double> MarkerRuns)
{
    /// <summary>The JSON object of the row.</summary>
    public Dictionary<string, object?> ToJson() => new()
    {
        ["runner"] = LinuxBootBenchResults.NameOf(Runner),
        ["vcpus"] = Vcpus,
        ["markerSeconds"] = Round(MarkerSeconds),
        ["exitSeconds"] = Round(ExitSeconds),
        ["guestUptimeSeconds"] = Round(GuestUptimeSeconds),
        ["beforeKernelSeconds"] = Round(BeforeKernelSeconds),
        ["passed"] = Passed,
        ["failed"] = Failed,
        ["markerRunsSeconds"] = MarkerRuns.Select(v => Math.Round(v, 3)).ToArray(),
    };

    private static double? Round(double? value) => value is double v ? Math.Round(v, 3) : null;
}

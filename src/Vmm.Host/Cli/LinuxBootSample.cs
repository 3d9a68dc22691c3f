namespace Vmm.Host.Cli;

/// <summary>One timed boot of `vmm bench linux-boot`.</summary>
/// <param name="Runner">Who booted it.</param>
/// <param name="Vcpus">vCPUs asked for.</param>
/// <param name="Run">Run number, from 1.</param>
/// <param name="MarkerSeconds">Start to the marker line on the console, or null when it never came.</param>
/// <param name="ExitSeconds">Start to the end of the VM (process exit, or the machine's exit and teardown in-process).</param>
/// <param name="GuestUptimeSeconds">The guest kernel's own uptime in the marker (its clock from early boot to /init), or null.</param>
/// <param name="CpusSeen">CPUs the marker reported (0 without a marker).</param>
/// <param name="Failure">Why the boot does not count (no marker, fewer CPUs, wrong verdict, time limit), or null.</param>
internal sealed record LinuxBootSample(
    LinuxBootRunner Runner, int Vcpus, int Run, double? MarkerSeconds, double ExitSeconds, double? GuestUptimeSeconds, int CpusSeen, string? Failure)
{
    /// <summary>The boot reached the marker with every vCPU and ended with the guest's pass verdict.</summary>
    public bool Passed => Failure is null && MarkerSeconds is not null;

    /// <summary>Start to the marker minus the guest's uptime: what came before the kernel's clock started (process and VMM start, firmware, loading, decompression), or null.</summary>
    public double? BeforeKernelSeconds => MarkerSeconds is double marker && GuestUptimeSeconds is double uptime ? marker - uptime : null;

    /// <summary>The JSON object of the sample.</summary>
    public Dictionary<string, object?> ToJson() => new()
    {
        ["runner"] = LinuxBootBenchResults.NameOf(Runner),
        ["vcpus"] = Vcpus,
        ["run"] = Run,
        ["markerSeconds"] = Round(MarkerSeconds),
        ["exitSeconds"] = Round(ExitSeconds),
        ["guestUptimeSeconds"] = Round(GuestUptimeSeconds),
        ["cpusSeen"] = CpusSeen,
        ["passed"] = Passed,
        ["failure"] = Failure,
    };

    private static double? Round(double? value) => value is double v ? Math.Round(v, 3) : null;
}

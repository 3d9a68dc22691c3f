using System.Globalization;
using System.Text.RegularExpressions;

namespace Vmm.Host.Cli;

/// <summary>One boot of `vmm bench linux-flush`: the guest's report, vmm's own flush count, or why it does not count.</summary>
/// <param name="Mode">Who served the flushes.</param>
/// <param name="Vcpus">vCPUs.</param>
/// <param name="Run">Run number, from 1.</param>
/// <param name="Report">The guest's report, or null when there was none.</param>
/// <param name="VmmRequests">Flush requests vmm served over the whole boot (its exit summary), null for QEMU.</param>
/// <param name="Failure">Why the boot does not count, or null.</param>
/// <param name="VmmP50Us">vmm's median time to serve one flush request (its exit summary's "latency p50"), or null.</param>
internal sealed partial record LinuxFlushSample(LinuxFlushMode Mode, int Vcpus, int Run, LinuxFlushReport? Report, long? VmmRequests, string? Failure, double? VmmP50Us = null)
{
    /// <summary>The boot counts: a full report, every flush right, the flush mechanism asked for.</summary>
    public bool Passed => Failure is null && Report is not null;

    /// <summary>
    /// Judges one ended boot: its console lines, the child's exit status and the status that means the guest's pass
    /// verdict, and vmm's standard error (its "TLB flush (...): N requests" summary, RunCommand); a sample that says
    /// why it does not count when it does not.
    /// </summary>
    public static LinuxFlushSample Judge(LinuxFlushMode mode, int vcpus, int run, long rounds, IReadOnlyList<string> console, ChildRun child, int passStatus)
    {
        ArgumentNullException.ThrowIfNull(mode);
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(child);
        LinuxFlushReport? report = LinuxFlushReport.Parse(console, out string? missing);
        long? requests = mode.Mechanism == LinuxFlushMechanism.KvmPv ? null : VmmFlushRequests(child.Stderr);
        string? failure =
            !child.Exited ? "no exit within its time limit"
            : report is null ? $"{missing} (exit status {child.ExitCode})"
            : report.Stale > 0 ? $"tlbcheck read {report.Stale} stale pages"
            : report.Status != 0 ? $"tlbcheck ended with status {report.Status}"
            : report.Rounds != rounds ? $"tlbcheck did {report.Rounds} rounds, not {rounds}"
            : report.Cpus != vcpus ? $"tlbcheck ran on {report.Cpus} of {vcpus} CPUs"
            : mode.Paravirtual && !report.HyperVFlush ? $"the guest did not take the Hyper-V remote flush (no '{LinuxFlushReport.HyperVFlushLine}' in its log)"
            : !mode.Paravirtual && report.HyperVFlush ? "the guest took the Hyper-V remote flush in the IPI mode"
            : child.ExitCode != passStatus ? $"exit status {child.ExitCode}, not the pass verdict's {passStatus}"
            : null;
        if (failure is not null)
        {
            failure += $"; console: {string.Join(" | ", console.Skip(Math.Max(0, console.Count - 4)))}{child.StderrTail()}";
        }

        return new LinuxFlushSample(mode, vcpus, run, report, requests, failure, mode.Mechanism == LinuxFlushMechanism.KvmPv ? null : VmmFlushP50Us(child.Stderr));
    }

    /// <summary>The requests of vmm's exit summary "vmm: TLB flush (...): N requests, ..." (none printed: 0).</summary>
    public static long VmmFlushRequests(IEnumerable<string> stderr)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        foreach (string line in stderr)
        {
            Match m = RequestsPattern().Match(line);
            if (m.Success)
            {
                return long.Parse(m.Groups["n"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    /// <summary>The "latency p50" of vmm's exit summary in µs (printed as "12.3 µs" or "1.2 ms"), or null when there is none.</summary>
    public static double? VmmFlushP50Us(IEnumerable<string> stderr)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        foreach (string line in stderr)
        {
            Match m = P50Pattern().Match(line);
            if (m.Success)
            {
                double value = double.Parse(m.Groups["v"].ValueSpan, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
                return m.Groups["u"].Value == "ms" ? value * 1000 : value;
            }
        }

        return null;
    }

    [GeneratedRegex(@"TLB flush \(.*\): [0-9]+ requests.*, latency p50 (?<v>[0-9]{1,12}(?:\.[0-9]{1,6})?) (?<u>µs|ms)", RegexOptions.CultureInvariant)]
    private static partial Regex P50Pattern();

    [GeneratedRegex(@"TLB flush \(.*\): (?<n>[0-9]{1,18}) requests", RegexOptions.CultureInvariant)]
    private static partial Regex RequestsPattern();
}

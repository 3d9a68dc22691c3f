using System.Globalization;
using System.Text.RegularExpressions;

namespace Vmm.Host.Cli;

/// <summary>
/// What the guest's /init reports about one tlbcheck workload (tools/linux-guest/init.sh with <c>vmmtest=tlb</c>,
/// tlbcheck.c), parsed from its console lines: the workload's own clock and CPU time, the kernel's tick counts, the
/// TLB shootdown row of /proc/interrupts and the tracepoint hyperv:hyperv_mmu_flush_tlb_multi around it.
/// </summary>
/// <param name="Cpus">CPUs tlbcheck ran on ("tlbcheck: mode=... cpus=N").</param>
/// <param name="Rounds">Remaps done, each one remote flush.</param>
/// <param name="Stale">Stale reads (0 when every flush worked).</param>
/// <param name="ElapsedUs">Wall time of the rounds on the guest's CLOCK_MONOTONIC.</param>
/// <param name="UserUs">User CPU time of tlbcheck over the rounds (getrusage, all threads).</param>
/// <param name="SysUs">Kernel CPU time of tlbcheck over the rounds: the benchmark's guest sys time.</param>
/// <param name="StatSysTicks">/proc/stat system ticks of all CPUs around the workload (USER_HZ, 100 a second on x86).</param>
/// <param name="StatIrqTicks">/proc/stat irq + softirq ticks around the workload.</param>
/// <param name="TlbDelta">Growth of the TLB row of /proc/interrupts (shootdown IPIs received) around the workload.</param>
/// <param name="Tracepoint">Events of hyperv_mmu_flush_tlb_multi around the workload, or null when the kernel has no such event.</param>
/// <param name="HyperVFlush">The guest said "Hyper-V: Using hypercall for remote TLB flush".</param>
/// <param name="Status">tlbcheck's exit status (0 pass, 1 stale reads, 2 error, 3 time limit).</param>
/// <param name="TracepointSinceInit">Events of the tracepoint from /init's first lines to the report (the whole boot's
/// user-space flushes, for setting against every flush hypercall vmm traced), or null without the tracepoint.</param>
internal sealed partial record LinuxFlushReport(
    int Cpus, long Rounds, long Stale, long ElapsedUs, long UserUs, long SysUs, long StatSysTicks, long StatIrqTicks, long TlbDelta, long? Tracepoint,
    bool HyperVFlush, int Status, long? TracepointSinceInit = null)
{
    /// <summary>USER_HZ of x86 Linux, the unit of /proc/stat (include/asm-generic/param.h; proc(5)).</summary>
    public const int UserHz = 100;

    /// <summary>The whole guest's kernel time around the workload in milliseconds, from /proc/stat (system + irq + softirq).</summary>
    public double StatKernelMs => (StatSysTicks + StatIrqTicks) * 1000.0 / UserHz;

    /// <summary>The report in <paramref name="lines"/> (a console, any prefix before each marker), or null with what is missing.</summary>
    public static LinuxFlushReport? Parse(IEnumerable<string> lines, out string? missing)
    {
        ArgumentNullException.ThrowIfNull(lines);
        Match? mode = null, rounds = null, rusage = null, stat = null, tlb = null, tracepoint = null, status = null;
        bool hv = false;
        foreach (string line in lines)
        {
            mode = Keep(mode, ModePattern().Match(line));
            rounds = Keep(rounds, RoundsPattern().Match(line));
            rusage = Keep(rusage, RusagePattern().Match(line));
            stat = Keep(stat, StatPattern().Match(line));
            tlb = Keep(tlb, TlbPattern().Match(line));
            tracepoint = Keep(tracepoint, TracepointPattern().Match(line));
            status = Keep(status, StatusPattern().Match(line));
            hv |= line.Contains(HyperVFlushLine, StringComparison.Ordinal);
        }

        missing = (mode, rounds, rusage, stat, tlb, tracepoint, status) switch
        {
            (null, _, _, _, _, _, _) => "no 'tlbcheck: mode=' line",
            (_, null, _, _, _, _, _) => "no 'tlbcheck: rounds=' line",
            (_, _, null, _, _, _, _) => "no 'tlbcheck: rusage' line (an initramfs older than bench linux-flush: rebuild it with tools/linux-guest/build.sh)",
            (_, _, _, null, _, _, _) => "no 'VMM-TLB stat_sys_ticks=' line (an initramfs older than bench linux-flush: rebuild it with tools/linux-guest/build.sh)",
            (_, _, _, _, null, _, _) => "no 'VMM-TLB tlb_before=' line",
            (_, _, _, _, _, null, _) => "no 'VMM-TLB tracepoint=' line",
            (_, _, _, _, _, _, null) => "no 'VMM-TLB tlbcheck_status=' line",
            _ => null,
        };
        if (missing is not null)
        {
            return null;
        }

        return new LinuxFlushReport(
            (int)Long(mode!, "cpus"), Long(rounds!, "rounds"), Long(rounds!, "stale"), Long(rounds!, "elapsed"), Long(rusage!, "user"), Long(rusage!, "sys"),
            Long(stat!, "sys"), Long(stat!, "irq"), Long(tlb!, "delta"), tracepoint!.Groups["run"].Success ? Long(tracepoint, "run") : null, hv, (int)Long(status!, "status"),
            tracepoint.Groups["since"].Success ? Long(tracepoint, "since") : null);
    }

    /// <summary>The line arch/x86/hyperv/mmu.c hyperv_setup_mmu_ops prints when Linux takes the flush hypercalls (pr_info "Using hypercall for remote TLB flush", prefixed "Hyper-V: ").</summary>
    public const string HyperVFlushLine = "Using hypercall for remote TLB flush";

    private static Match? Keep(Match? kept, Match next) => next.Success ? next : kept;

    private static long Long(Match match, string group) => long.Parse(match.Groups[group].ValueSpan, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"tlbcheck: mode=\S+ cpus=(?<cpus>[0-9]{1,6}) ", RegexOptions.CultureInvariant)]
    private static partial Regex ModePattern();

    [GeneratedRegex(@"tlbcheck: rounds=(?<rounds>[0-9]{1,18}) stale=(?<stale>[0-9]{1,18}) elapsed_us=(?<elapsed>[0-9]{1,18})", RegexOptions.CultureInvariant)]
    private static partial Regex RoundsPattern();

    [GeneratedRegex(@"tlbcheck: rusage utime_us=(?<user>[0-9]{1,18}) stime_us=(?<sys>[0-9]{1,18})", RegexOptions.CultureInvariant)]
    private static partial Regex RusagePattern();

    [GeneratedRegex(@"VMM-TLB stat_sys_ticks=(?<sys>-?[0-9]{1,18}) stat_irq_ticks=(?<irq>-?[0-9]{1,18})", RegexOptions.CultureInvariant)]
    private static partial Regex StatPattern();

    [GeneratedRegex(@"VMM-TLB tlb_before=[0-9]+ tlb_after=[0-9]+ tlb_delta=(?<delta>-?[0-9]{1,18})", RegexOptions.CultureInvariant)]
    private static partial Regex TlbPattern();

    [GeneratedRegex(@"VMM-TLB tracepoint=(?:yes run=(?<run>[0-9]{1,18})(?: since_init=(?<since>[0-9]{1,18}))?|absent)", RegexOptions.CultureInvariant)]
    private static partial Regex TracepointPattern();

    [GeneratedRegex(@"VMM-TLB tlbcheck_status=(?<status>[0-9]{1,3})", RegexOptions.CultureInvariant)]
    private static partial Regex StatusPattern();
}

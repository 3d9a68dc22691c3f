using System.Text.Json;
using Vmm.Host.Cli;
using Vmm.Host.Tests.Cli;

namespace Vmm.Host.Tests;

/// <summary>
/// `vmm bench linux-flush` without a hypervisor: its command-line checks (exit 2 before any hypervisor is opened), the
/// parsing of the guest's report (tools/linux-guest/init.sh and tlbcheck.c lines) and of vmm's flush summary, when a
/// boot counts, the medians and goal ratios, and the table, JSON and plot shapes.
/// </summary>
[Collection("vmm-cli")]
public sealed class LinuxFlushBenchTests : IDisposable
{
    // A console as vmm's COM1 carries it (printk.time prefixes, /init's level-2 kernel-log lines).
    private static readonly string[] s_pvConsole =
    [
        "[    0.000000] Linux version 6.1.0-57-amd64",
        "[    3.100000] VMM-INIT cpus=4 clocksource=hyperv_clocksource_tsc_page uptime=3.10",
        "[    3.110000] dmesg: [    0.010000] Hyper-V: Using hypercall for remote TLB flush",
        "[    3.200000] tlbcheck: mode=fixed cpus=4 readers=3 rounds=300 checked=16",
        "[    3.300000] tlbcheck: cpu=1 reads=4800 stale=0 first_stale_epoch=0 stale_tag=0 faults=0 checked_faults=0",
        "[    3.300000] tlbcheck: rounds=300 stale=0 elapsed_us=45000 us_per_round=150.0",
        "[    3.300000] tlbcheck: rusage utime_us=120000 stime_us=30000",
        "[    3.300000] tlbcheck: verdict=pass",
        "[    3.400000] VMM-TLB tlb_before=10 tlb_after=12 tlb_delta=2 tlb_cpus_before=5,5,0,0 tlb_cpus_after=6,6,0,0",
        "[    3.400000] VMM-TLB stat_sys_ticks=7 stat_irq_ticks=1 user_hz=100",
        "[    3.400000] VMM-TLB tracepoint=yes run=303 since_init=310",
        "[    3.400000] VMM-TLB tlbcheck_status=0",
    ];

    private static readonly LinuxFlushMode s_ipi = new(LinuxFlushMechanism.Ipi);
    private static readonly LinuxFlushMode s_kick = new(LinuxFlushMechanism.VmmPv, "kick");
    private static readonly LinuxFlushMode s_memslot = new(LinuxFlushMechanism.VmmPv, "memslot");
    private static readonly LinuxFlushMode s_kvm = new(LinuxFlushMechanism.KvmPv);

    private readonly CliFiles _files = new();

    public void Dispose() => _files.Dispose();

    // ------------------------------------------------------------------------------------------ command line

    [Theory]
    [InlineData("--rounds 0", "--rounds must be from 1 to 1000000, not 0")]
    [InlineData("--rounds many", "--rounds 'many' is not a whole number")]
    [InlineData("--flush-strategy warp", "--flush-strategy must be a comma-separated list of auto, kick or memslot, not 'warp'")]
    [InlineData("--plot /no/such/dir/sys.svg", "--plot '/no/such/dir/sys.svg': directory '/no/such/dir' does not exist")]
    [InlineData("--cpus 0", "--cpus must be from 1 to 256, not 0")]
    [InlineData("--runs 0", "--runs must be from 1 to 1000, not 0")]
    [InlineData("--hv linux,+warp", "Unknown Hyper-V feature 'warp'")]
    [InlineData("--qemu /no/such/qemu", "--qemu '/no/such/qemu' is not an executable file")]
    [InlineData("--vmm /no/such/vmm", "--vmm '/no/such/vmm' is not an executable file")]
    public void ABadOptionIsOneLineAndExitTwoBeforeAnyHypervisorIsOpened(string options, string fragment)
    {
        var host = new NoKvmHost();
        int exit = host.Run(_files.Expand($"bench linux-flush --kernel {{bzimage}} --initrd {{initrd}} {(options.StartsWith("--qemu", StringComparison.Ordinal) ? string.Empty : "--qemu none ")}{options}"));
        string error = host.Error.ToString();
        Assert.True(exit == ExitCodes.UsageError, $"exit {exit}:\n{error}");
        Assert.Contains(fragment, error, StringComparison.Ordinal);
        Assert.Equal(0, host.Opened);
        string line = Assert.Single(Lines(error));
        Assert.StartsWith("vmm: ", line, StringComparison.Ordinal);
    }

    [Fact]
    public void AValidLineReachesTheHypervisorOnce()
    {
        var host = new NoKvmHost();
        int exit = host.Run(_files.Expand("bench linux-flush --kernel {bzimage} --initrd {initrd} --cpus 2,4 --runs 1 --rounds 10 --flush-strategy memslot --qemu none --json"));
        Assert.Equal(ExitCodes.UsageError, exit);
        Assert.Equal(1, host.Opened);
        Assert.Equal([$"vmm: {NoKvmHost.MissingKvm}"], Lines(host.Error.ToString()));
        Assert.Equal(string.Empty, host.Out.ToString());
    }

    [Fact]
    public void TheHelpNamesTheModesTheGoalsAndExamples()
    {
        var host = new NoKvmHost();
        Assert.Equal(ExitCodes.Success, host.Run("bench", "linux-flush", "--help"));
        string help = host.Out.ToString();
        Assert.Contains(LinuxFlushBenchCommand.QemuCpu, help, StringComparison.Ordinal);
        Assert.Contains("--hv none", help, StringComparison.Ordinal);
        Assert.Contains("vmm bench linux-flush --cpus 2,4", help, StringComparison.Ordinal);
        Assert.Contains(">= 2.4", help, StringComparison.Ordinal);
        Assert.Contains("<= 1.2", help, StringComparison.Ordinal);
        Assert.Equal(0, host.Opened);
    }

    // ------------------------------------------------------------------------------------------ the guest's report

    [Fact]
    public void TheGuestsReportLinesGiveEveryNumber()
    {
        LinuxFlushReport? r = LinuxFlushReport.Parse(s_pvConsole, out string? missing);
        Assert.Null(missing);
        Assert.NotNull(r);
        Assert.Equal(new LinuxFlushReport(4, 300, 0, 45000, 120000, 30000, 7, 1, 2, 303, HyperVFlush: true, 0, TracepointSinceInit: 310), r);
        Assert.Equal(80.0, r.StatKernelMs);
    }

    [Fact]
    public void AKernelWithoutTheTracepointHasNoCountAndNoHyperVFlush()
    {
        string[] console = [.. s_pvConsole.Where(l => !l.Contains("Using hypercall", StringComparison.Ordinal)).Select(l => l.Contains("tracepoint=", StringComparison.Ordinal) ? "VMM-TLB tracepoint=absent" : l)];
        LinuxFlushReport? r = LinuxFlushReport.Parse(console, out _);
        Assert.NotNull(r);
        Assert.Null(r.Tracepoint);
        Assert.False(r.HyperVFlush);
    }

    [Theory]
    [InlineData("tlbcheck: rusage", "no 'tlbcheck: rusage' line (an initramfs older than bench linux-flush")]
    [InlineData("VMM-TLB stat_sys_ticks", "no 'VMM-TLB stat_sys_ticks=' line")]
    [InlineData("VMM-TLB tlb_before", "no 'VMM-TLB tlb_before=' line")]
    [InlineData("tlbcheck: rounds=", "no 'tlbcheck: rounds=' line")]
    [InlineData("VMM-TLB tlbcheck_status", "no 'VMM-TLB tlbcheck_status=' line")]
    public void AReportWithoutOneOfItsLinesIsNoReportAndSaysWhichIsMissing(string dropped, string reason)
    {
        Assert.Null(LinuxFlushReport.Parse(s_pvConsole.Where(l => !l.Contains(dropped, StringComparison.Ordinal)), out string? missing));
        Assert.StartsWith(reason, missing, StringComparison.Ordinal);
    }

    [Fact]
    public void VmmsFlushRequestsComeFromItsExitSummary()
    {
        Assert.Equal(312, LinuxFlushSample.VmmFlushRequests(
        [
            "vmm: TLB flush (kick and wait): 312 requests, 936 targets (900 kicked and awaited, 0 deferred while descheduled, 36 outside the guest), latency p50 40.0 µs, p99 1.2 ms, max 3.0 ms",
            "vmm: Linux kernel on kvm (KVM), 4 vCPUs, 512 MiB, --hv linux: guest exit 0 after 20.00 s",
        ]));
        Assert.Equal(0, LinuxFlushSample.VmmFlushRequests(["vmm: Linux kernel on kvm (KVM), 2 vCPUs, 512 MiB, --hv none: guest exit 0 after 9.00 s"]));
        Assert.Equal(40.0, LinuxFlushSample.VmmFlushP50Us(["vmm: TLB flush (kick and wait): 312 requests, 936 targets (x), latency p50 40.0 µs, p99 1.2 ms, max 3.0 ms"]));
        Assert.Equal(1500.0, LinuxFlushSample.VmmFlushP50Us(["vmm: TLB flush (memslot): 9 requests, 9 targets (x), latency p50 1.5 ms, p99 2.0 ms, max 3.0 ms"]));
        Assert.Null(LinuxFlushSample.VmmFlushP50Us(["vmm: Linux kernel on kvm (KVM), 2 vCPUs, 512 MiB, --hv none: guest exit 0 after 9.00 s"]));
    }

    // ------------------------------------------------------------------------------------------ when a boot counts

    [Fact]
    public void APvBootWithTheHyperVFlushAndNoStaleReadCounts()
    {
        LinuxFlushSample s = LinuxFlushSample.Judge(s_kick, 4, 1, 300, s_pvConsole, Ended(0, "vmm: TLB flush (kick and wait): 305 requests, 915 targets"), 0);
        Assert.True(s.Passed, s.Failure);
        Assert.Equal(305, s.VmmRequests);
        Assert.Null(s.VmmP50Us);
    }

    [Fact]
    public void AQemuBootHasNoVmmCountAndPassesWithQemusExitStatus()
    {
        LinuxFlushSample s = LinuxFlushSample.Judge(s_kvm, 4, 1, 300, s_pvConsole, Ended(LinuxBootCommandLines.QemuPassStatus), LinuxBootCommandLines.QemuPassStatus);
        Assert.True(s.Passed, s.Failure);
        Assert.Null(s.VmmRequests);
    }

    [Fact]
    public void APvBootWhoseGuestDidNotTakeTheHyperVFlushDoesNotCount()
    {
        string[] console = [.. s_pvConsole.Where(l => !l.Contains("Using hypercall", StringComparison.Ordinal))];
        LinuxFlushSample s = LinuxFlushSample.Judge(s_kvm, 4, 1, 300, console, Ended(1), 1);
        Assert.False(s.Passed);
        Assert.StartsWith("the guest did not take the Hyper-V remote flush (no 'Using hypercall for remote TLB flush' in its log)", s.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public void AnIpiBootWhoseGuestTookTheHyperVFlushDoesNotCount()
    {
        LinuxFlushSample s = LinuxFlushSample.Judge(s_ipi, 4, 1, 300, s_pvConsole, Ended(0), 0);
        Assert.StartsWith("the guest took the Hyper-V remote flush in the IPI mode", s.Failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tlbcheck: rounds=300 stale=0 ", "tlbcheck: rounds=300 stale=7 ", "tlbcheck read 7 stale pages")]
    [InlineData("tlbcheck_status=0", "tlbcheck_status=3", "tlbcheck ended with status 3")]
    [InlineData("tlbcheck: rounds=300 stale=0 ", "tlbcheck: rounds=299 stale=0 ", "tlbcheck did 299 rounds, not 300")]
    [InlineData("mode=fixed cpus=4 ", "mode=fixed cpus=3 ", "tlbcheck ran on 3 of 4 CPUs")]
    public void ABootWithStaleReadsAnErrorOrTooFewRoundsOrCpusDoesNotCount(string from, string to, string reason)
    {
        string[] console = [.. s_pvConsole.Select(l => l.Replace(from, to, StringComparison.Ordinal))];
        LinuxFlushSample s = LinuxFlushSample.Judge(s_kick, 4, 1, 300, console, Ended(0), 0);
        Assert.StartsWith(reason, s.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public void AChildThatDidNotExitOrEndedWithTheWrongStatusDoesNotCount()
    {
        Assert.StartsWith("no exit within its time limit", LinuxFlushSample.Judge(s_kick, 4, 1, 300, s_pvConsole, new ChildRun(false, -1, 0, 1, []), 0).Failure, StringComparison.Ordinal);
        Assert.StartsWith("exit status 3, not the pass verdict's 0", LinuxFlushSample.Judge(s_kick, 4, 1, 300, s_pvConsole, Ended(3), 0).Failure, StringComparison.Ordinal);
        LinuxFlushSample none = LinuxFlushSample.Judge(s_kvm, 4, 1, 300, ["qemu-system-x86_64: failed to initialize kvm"], Ended(1, "qemu-system-x86_64: -accel kvm: failed to initialize kvm: No such file or directory"), 1);
        Assert.StartsWith("no 'tlbcheck: mode=' line (exit status 1)", none.Failure, StringComparison.Ordinal);
        Assert.Contains("stderr: qemu-system-x86_64: -accel kvm: failed to initialize kvm", none.Failure, StringComparison.Ordinal);
    }

    // ------------------------------------------------------------------------------------------ medians and goals

    [Fact]
    public void RowsTakeMediansOverCountedBootsAndKeepTheModeOrder()
    {
        LinuxFlushSample[] samples =
        [
            Sample(s_ipi, 2, 1, sysUs: 90_000, wallUs: 100_000, tlb: 300),
            Sample(s_kick, 2, 1, sysUs: 30_000, wallUs: 50_000, tp: 301, requests: 305),
            Sample(s_ipi, 2, 2, sysUs: 110_000, wallUs: 120_000, tlb: 298),
            Sample(s_kick, 2, 2, sysUs: 20_000, wallUs: 40_000, tp: 300, requests: 303),
            Sample(s_ipi, 2, 3, sysUs: 100_000, wallUs: 110_000, tlb: 299),
            Sample(s_kick, 2, 3, sysUs: 0, wallUs: 0, failure: "tlbcheck read 1 stale pages"),
        ];
        IReadOnlyList<LinuxFlushBenchRow> rows = LinuxFlushBenchResults.Rows(samples);
        Assert.Equal(["ipi", "vmm pv kick"], rows.Select(r => r.Mode.Name));
        LinuxFlushBenchRow ipi = rows[0];
        Assert.Equal((100.0, 110.0, 299.0, 3, 0), (ipi.SysMs!.Value, ipi.WallMs!.Value, ipi.TlbIpis!.Value, ipi.Passed, ipi.Failed));
        LinuxFlushBenchRow kick = rows[1];
        Assert.Equal((25.0, 45.0, 300.5, 304.0, 2, 1), (kick.SysMs!.Value, kick.WallMs!.Value, kick.Tracepoint!.Value, kick.VmmRequests!.Value, kick.Passed, kick.Failed));
        Assert.StartsWith("tlbcheck read 1 stale pages", kick.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public void TheGoalsAreIpiOverEachVmmStrategyAndEachVmmStrategyOverKvm()
    {
        LinuxFlushSample[] samples =
        [
            Sample(s_ipi, 4, 1, sysUs: 120_000), Sample(s_kick, 4, 1, sysUs: 40_000), Sample(s_memslot, 4, 1, sysUs: 60_000), Sample(s_kvm, 4, 1, sysUs: 40_000),
        ];
        IReadOnlyList<FlushBenchGoal> goals = LinuxFlushBenchResults.Goals(LinuxFlushBenchResults.Rows(samples));
        Assert.Equal(
        [
            "guest sys IPI / vmm PV at 4 vCPUs (kick): 3.00, goal ≥ 2.4: met",
            "guest sys vmm PV / KVM PV at 4 vCPUs (kick): 1.00, goal ≤ 1.2: met",
            "guest sys IPI / vmm PV at 4 vCPUs (memslot): 2.00, goal ≥ 2.4: missed",
            "guest sys vmm PV / KVM PV at 4 vCPUs (memslot): 1.50, goal ≤ 1.2: missed",
        ],
            goals.Select(g => g.ToString()));
    }

    [Fact]
    public void AColumnWithNoCountedBootIsUnavailableAndGivesNoRatio()
    {
        LinuxFlushSample[] samples =
        [
            Sample(s_ipi, 2, 1, sysUs: 120_000), Sample(s_kick, 2, 1, sysUs: 40_000),
            Sample(s_kvm, 2, 1, sysUs: 0, failure: "the guest did not take the Hyper-V remote flush (no 'Using hypercall for remote TLB flush' in its log)"),
        ];
        IReadOnlyList<LinuxFlushBenchRow> rows = LinuxFlushBenchResults.Rows(samples);
        Assert.True(rows.Single(r => r.Mode == s_kvm).Unavailable);
        FlushBenchGoal goal = Assert.Single(LinuxFlushBenchResults.Goals(rows));
        Assert.StartsWith("guest sys IPI / vmm PV", goal.Name, StringComparison.Ordinal);

        var console = new StringWriter();
        SpectreConsoles.Create(console, terminal: false).Write(LinuxFlushBenchCommand.ToTable(rows));
        string kvmLine = Assert.Single(console.ToString().Split('\n'), l => l.Contains("kvm pv", StringComparison.Ordinal));
        Assert.Matches(@"2 .* kvm pv .* n/a .* n/a .* 0/1", kvmLine);
    }

    [Fact]
    public void AFailedQemuBootIsReportedButOnlyAFailedVmmBootFailsTheCommand()
    {
        const string failure = "no 'tlbcheck: mode=' line (exit status 1)";
        Assert.True(LinuxFlushBenchCommand.Succeeded([Sample(s_ipi, 2, 1, sysUs: 1), Sample(s_kvm, 2, 1, sysUs: 0, failure: failure)]));
        Assert.False(LinuxFlushBenchCommand.Succeeded([Sample(s_ipi, 2, 1, sysUs: 1), Sample(s_kick, 2, 1, sysUs: 0, failure: failure)]));
        Assert.False(LinuxFlushBenchCommand.Succeeded([Sample(s_ipi, 2, 1, sysUs: 0, failure: failure), Sample(s_kvm, 2, 1, sysUs: 1)]));
    }

    [Fact]
    public void AZeroSysTimeGivesNoRatioInsteadOfInfinity()
    {
        IReadOnlyList<LinuxFlushBenchRow> rows = LinuxFlushBenchResults.Rows([Sample(s_ipi, 2, 1, sysUs: 10_000), Sample(s_kick, 2, 1, sysUs: 0)]);
        Assert.Empty(LinuxFlushBenchResults.Goals(rows));
    }

    // ------------------------------------------------------------------------------------------ table, JSON, plot

    [Fact]
    public void TheTableHasARowPerVcpuCountAndModeWithTheMedians()
    {
        IReadOnlyList<LinuxFlushBenchRow> rows = LinuxFlushBenchResults.Rows(
            [Sample(s_ipi, 2, 1, sysUs: 90_000, wallUs: 100_000, tlb: 300), Sample(s_kick, 2, 1, sysUs: 30_000, wallUs: 50_000, tp: 301, requests: 305)]);
        var console = new StringWriter();
        SpectreConsoles.Create(console, terminal: false).Write(LinuxFlushBenchCommand.ToTable(rows));
        string[] lines = [.. console.ToString().Split('\n').Where(l => l.Contains(" 2 ", StringComparison.Ordinal))];
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"2 .* ipi .* 100\.0 .* 90\.0 .* 80 .* 0 .* - .* 300 .* 1/1", lines[0]);
        Assert.Matches(@"2 .* vmm pv kick .* 50\.0 .* 30\.0 .* 80 .* 301 .* 305 .* - .* 0 .* 1/1", lines[1]);
    }

    [Fact]
    public void TheJsonHasTheSettingsTheRowsTheGoalsAndEverySample()
    {
        LinuxFlushSample[] samples =
        [
            Sample(s_ipi, 2, 1, sysUs: 90_000, tlb: 300), Sample(s_kick, 2, 1, sysUs: 30_000, tp: 301, requests: 305),
            Sample(s_kvm, 2, 1, sysUs: 0, failure: "no 'tlbcheck: mode=' line (exit status 1)"),
        ];
        IReadOnlyList<LinuxFlushBenchRow> rows = LinuxFlushBenchResults.Rows(samples);
        string text = LinuxFlushBenchJson.Write(Settings(), new LinuxFlushBenchJson.Context("kvm", "KVM", "0.5 0.4 0.3", "1.0 0.8 0.6", "QEMU emulator version 7.2.22"), rows, LinuxFlushBenchResults.Goals(rows), samples);
        using JsonDocument json = JsonDocument.Parse(text);
        JsonElement root = json.RootElement;
        Assert.Equal("linux-flush", root.GetProperty("benchmark").GetString());
        Assert.Equal(LinuxFlushBenchCommand.QemuCpu, root.GetProperty("qemuCpu").GetString());
        Assert.Equal(300, root.GetProperty("rounds").GetInt64());
        Assert.EndsWith("vmmtest=tlb vmmtest.rounds=300", root.GetProperty("append").GetString(), StringComparison.Ordinal);
        JsonElement[] results = [.. root.GetProperty("results").EnumerateArray()];
        Assert.Equal(["ipi", "vmm pv kick", "kvm pv"], results.Select(r => r.GetProperty("mode").GetString()));
        Assert.Equal(30.0, results[1].GetProperty("sysMs").GetDouble());
        Assert.Equal(301.0, results[1].GetProperty("flushTracepoint").GetDouble());
        Assert.Equal(305.0, results[1].GetProperty("vmmFlushRequests").GetDouble());
        Assert.Equal(JsonValueKind.Null, results[0].GetProperty("vmmFlushRequests").ValueKind);
        Assert.False(results[2].GetProperty("available").GetBoolean());
        Assert.Equal(JsonValueKind.Null, results[2].GetProperty("sysMs").ValueKind);
        JsonElement goal = Assert.Single(root.GetProperty("goals").EnumerateArray());
        Assert.Equal((3.0, ">= 2.4", true), (goal.GetProperty("ratio").GetDouble(), goal.GetProperty("goal").GetString(), goal.GetProperty("met").GetBoolean()));
        Assert.Equal(3, root.GetProperty("samples").GetArrayLength());
        Assert.Equal(90_000, root.GetProperty("samples")[0].GetProperty("sysUs").GetInt64());
    }

    [Fact]
    public void ThePlotIsAnSvgWithOneLinePerModeOverTheVcpuCounts()
    {
        IReadOnlyList<LinuxFlushBenchRow> rows = LinuxFlushBenchResults.Rows(
            [Sample(s_ipi, 2, 1, sysUs: 90_000), Sample(s_kick, 2, 1, sysUs: 30_000), Sample(s_ipi, 4, 1, sysUs: 190_000), Sample(s_kick, 4, 1, sysUs: 50_000)]);
        var svg = System.Xml.Linq.XDocument.Parse(LinuxFlushBenchPlot.Render(rows, 300));
        Assert.Equal("svg", svg.Root!.Name.LocalName);
        string text = string.Concat(svg.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value + "\n"));
        Assert.Contains("ipi", text, StringComparison.Ordinal);
        Assert.Contains("vmm pv kick", text, StringComparison.Ordinal);
        Assert.Contains("guest sys time (ms)", text, StringComparison.Ordinal);
        Assert.Contains("vCPUs", text, StringComparison.Ordinal);
    }

    private static ChildRun Ended(int status, params string[] stderr) => new(true, status, 0, 1, stderr);

    private static LinuxFlushSample Sample(LinuxFlushMode mode, int vcpus, int run, long sysUs, long wallUs = 1000, long tlb = 0, long? tp = 0, long? requests = null, string? failure = null)
    {
        var report = new LinuxFlushReport(vcpus, 300, 0, wallUs, 1, sysUs, 7, 1, tlb, tp, mode.Paravirtual, 0);
        return new LinuxFlushSample(mode, vcpus, run, report, mode.Mechanism == LinuxFlushMechanism.VmmPv ? requests ?? 0 : null, failure);
    }

    private static LinuxFlushBenchSettings Settings() => new()
    {
        Boot = new LinuxBootBenchSettings
        {
            KernelPath = "/k/bzImage", InitrdPath = "/k/initramfs.cpio.gz", Append = LinuxBootBenchCommand.DefaultAppend, QemuAppend = "console=ttyS0 pci=off panic=-1 quiet printk.devkmsg=on",
            Memory = 512UL << 20, Cpus = [2, 4], Runs = 1, HyperV = "linux,+time,+frequencies", Qemu = "/usr/bin/qemu-system-x86_64", Vmm = ["/bin/vmm"],
        },
        Strategies = ["kick"],
        Rounds = 300,
    };

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

using System.Text;
using Vmm.Host.Cli;
using Vmm.Host.Tests.Cli;

namespace Vmm.Host.Tests;

/// <summary>
/// `vmm bench linux-boot` without a hypervisor: its command-line checks (exit 2 before any hypervisor is opened),
/// the marker detection on a console that arrives in pieces, the medians and the vmm ÷ QEMU ratios, and the two
/// command lines it starts.
/// </summary>
[Collection("vmm-cli")]
public sealed class LinuxBootBenchTests : IDisposable
{
    private readonly CliFiles _files = new();

    public void Dispose() => _files.Dispose();

    // ------------------------------------------------------------------------------------------ command line

    [Theory]
    [InlineData("--cpus 0", "--cpus must be from 1 to 256, not 0")]
    [InlineData("--cpus 1,x", "--cpus 'x' is not a whole number")]
    [InlineData("--cpus 2,2", "--cpus lists 2 twice")]
    [InlineData("--cpus 65", "at most 64")]
    [InlineData("--runs 0", "--runs must be from 1 to 1000, not 0")]
    [InlineData("--memory 100000K", "--memory must be a whole number of MiB")]
    [InlineData("--memory 8M", "--memory must be at least 16M")]
    [InlineData("--hv linux,+warp", "Unknown Hyper-V feature 'warp'")]
    [InlineData("--qemu /no/such/qemu", "--qemu '/no/such/qemu' is not an executable file")]
    [InlineData("--qemu no-such-qemu-anywhere", "is not an executable file on PATH")]
    [InlineData("--vmm /no/such/vmm", "--vmm '/no/such/vmm' is not an executable file")]
    [InlineData("--timeout soon", "--timeout 'soon' is not a number of seconds")]
    [InlineData("--append {long}", "--append must be at most 2047 bytes")]
    public void ABadOptionIsOneLineAndExitTwoBeforeAnyHypervisorIsOpened(string options, string fragment)
    {
        var host = new NoKvmHost();
        int exit = host.Run(_files.Expand($"bench linux-boot --kernel {{bzimage}} --initrd {{initrd}} --qemu none {options}".Replace("--qemu none --qemu", "--qemu", StringComparison.Ordinal)));
        string error = host.Error.ToString();
        Assert.True(exit == ExitCodes.UsageError, $"exit {exit}:\n{error}");
        Assert.Contains(fragment, error, StringComparison.Ordinal);
        Assert.Equal(0, host.Opened);
        Assert.All(Lines(error), line => Assert.StartsWith("vmm: ", line, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--kernel /no/such/bzImage", "--kernel '/no/such/bzImage' does not exist")]
    [InlineData("--kernel {elf}", "is not a Linux bzImage or vmlinux")]
    [InlineData("--kernel {dir}", "is a directory, not a file")]
    [InlineData("--initrd /dev/zero", "not a regular file")]
    public void AKernelOrInitrdThatCannotBootIsRefusedBeforeAnyHypervisorIsOpened(string options, string fragment)
    {
        var host = new NoKvmHost();
        string line = options.StartsWith("--kernel", StringComparison.Ordinal)
            ? $"bench linux-boot {options} --initrd {{initrd}} --qemu none"
            : $"bench linux-boot --kernel {{bzimage}} {options} --qemu none";
        Assert.Equal(ExitCodes.UsageError, host.Run(_files.Expand(line)));
        Assert.Contains(fragment, host.Error.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, host.Opened);
    }

    [Fact]
    public void EveryMistakeOfOneLineIsReported()
    {
        var host = new NoKvmHost();
        Assert.Equal(ExitCodes.UsageError, host.Run(_files.Expand("bench linux-boot --kernel /no/such/k --initrd {initrd} --runs 0 --memory 8M --qemu none")));
        Assert.Equal(3, Lines(host.Error.ToString()).Length);
        Assert.Equal(0, host.Opened);
    }

    [Fact]
    public void AValidLineReachesTheHypervisorOnceAndGetsItsLine()
    {
        var host = new NoKvmHost();
        int exit = host.Run(_files.Expand("bench linux-boot --kernel {bzimage} --initrd {initrd} --cpus 1,2,4 --runs 2 --memory 512 --hv none --qemu none --json"));
        Assert.Equal(ExitCodes.UsageError, exit);
        Assert.Equal(1, host.Opened);
        Assert.Equal([$"vmm: {NoKvmHost.MissingKvm}"], Lines(host.Error.ToString()));
        Assert.Equal(string.Empty, host.Out.ToString());
    }

    // ------------------------------------------------------------------------------------------ marker

    [Theory]
    [InlineData("[    1.234567] VMM-INIT cpus=4 clocksource=tsc uptime=1.52", 4, 1.52)]
    [InlineData("VMM-INIT cpus=1 clocksource=hyperv_clocksource_tsc_page uptime=12.00", 1, 12.0)]
    [InlineData("<2>VMM-INIT cpus=16 clocksource= uptime=3", 16, 3.0)]
    public void TheMarkerGivesTheCpusAndTheGuestsUptime(string line, int cpus, double uptime)
    {
        Assert.True(BootMarker.TryParse(line, out int seen, out double? up));
        Assert.Equal(cpus, seen);
        Assert.Equal(uptime, up);
    }

    [Theory]
    [InlineData("[    2.0] VMM-INIT verdict ")]
    [InlineData("VMM-INIT cpus=")]
    [InlineData("VMM-INIT cpus=2x clocksource=tsc")]
    [InlineData("Run /init as init process")]
    public void OtherLinesAreNotTheMarker(string line) => Assert.False(BootMarker.TryParse(line, out _, out _));

    [Fact]
    public void AMarkerWithoutUptimeStillCounts()
    {
        Assert.True(BootMarker.TryParse("VMM-INIT cpus=2", out int cpus, out double? uptime));
        Assert.Equal(2, cpus);
        Assert.Null(uptime);
    }

    [Fact]
    public void TheMarkerIsTimedByTheChunkThatEndsItsLine()
    {
        var scanner = new BootConsoleScanner();
        scanner.Feed(Encoding.ASCII.GetBytes("Linux version 6.1\r\n[ 1.0] VMM-INIT cp"), 100);
        Assert.Null(scanner.MarkerTimestamp);
        scanner.Feed(Encoding.ASCII.GetBytes("us=2 clocksource=tsc uptime=0.90"), 200);
        Assert.Null(scanner.MarkerTimestamp);
        scanner.Feed(Encoding.ASCII.GetBytes("\r\n[ 1.1] VMM-INIT cpus=3 uptime=5\n"), 300);
        scanner.Feed(Encoding.ASCII.GetBytes("[ 1.2] VMM-INIT verdict \n"), 400);
        Assert.Equal(300, scanner.MarkerTimestamp);
        Assert.Equal(2, scanner.Cpus);
        Assert.Equal(0.90, scanner.GuestUptimeSeconds);
        Assert.EndsWith("[ 1.2] VMM-INIT verdict", scanner.Tail(), StringComparison.Ordinal);
    }

    [Fact]
    public void AMarkerCutOffByTheEndOfTheConsoleCountsWhenTheConsoleEnds()
    {
        var scanner = new BootConsoleScanner();
        scanner.Feed(Encoding.ASCII.GetBytes("VMM-INIT cpus=1 uptime=2.5"), 10);
        Assert.Null(scanner.MarkerTimestamp);
        scanner.Complete(20);
        Assert.Equal(20, scanner.MarkerTimestamp);
    }

    [Fact]
    public void TheInProcessConsoleStreamTimesEveryByteItIsGiven()
    {
        var scanner = new BootConsoleScanner();
        using var stream = new BootConsoleStream(scanner);
        foreach (byte b in Encoding.ASCII.GetBytes("VMM-INIT cpus=8 uptime=1\n"))
        {
            stream.WriteByte(b);
        }

        Assert.NotNull(scanner.MarkerTimestamp);
        Assert.Equal(8, scanner.Cpus);
    }

    [Theory]
    [InlineData(false, 0, 2, 0, 0, "no 'VMM-INIT cpus=' line")]
    [InlineData(true, 1, 2, 1, 1, "the guest brought up 1 of 2 CPUs")]
    [InlineData(true, 2, 2, 3, 0, "exit status 3, not the pass verdict's 0")]
    [InlineData(true, 2, 2, 0, 1, "exit status 0, not the pass verdict's 1")]
    public void ABootCountsOnlyWithTheMarkerEveryCpuAndThePassStatus(bool marked, int seen, int vcpus, int exitCode, int pass, string reason)
    {
        Assert.StartsWith(reason, LinuxBootChild.Judge(marked, seen, vcpus, exitCode, pass), StringComparison.Ordinal);
        Assert.Null(LinuxBootChild.Judge(true, vcpus, vcpus, pass, pass));
    }

    // ------------------------------------------------------------------------------------------ arithmetic

    [Fact]
    public void MediansAreTheMiddleValueOrTheMeanOfTheMiddleTwo()
    {
        Assert.Equal(3.0, LinuxBootBenchResults.Median([5, 1, 3]));
        Assert.Equal(2.5, LinuxBootBenchResults.Median([4, 1, 3, 2]));
        Assert.Null(LinuxBootBenchResults.Median([]));
    }

    [Fact]
    public void RowsTakeMediansOverPassedBootsAndCountTheFailedOnes()
    {
        LinuxBootSample[] samples =
        [
            Pass(LinuxBootRunner.Vmm, 2, 1, 10, 11, 4), Pass(LinuxBootRunner.Qemu, 2, 1, 20, 21, 5),
            Pass(LinuxBootRunner.Vmm, 2, 2, 12, 13, 6), Pass(LinuxBootRunner.Qemu, 2, 2, 22, 23, 7),
            Fail(LinuxBootRunner.Vmm, 2, 3), Pass(LinuxBootRunner.Qemu, 2, 3, 18, 19, 3),
        ];
        IReadOnlyList<LinuxBootBenchRow> rows = LinuxBootBenchResults.Rows(samples);
        LinuxBootBenchRow vmm = Assert.Single(rows, r => r.Runner == LinuxBootRunner.Vmm);
        Assert.Equal((11.0, 12.0, 5.0, 6.0, 2, 1), (vmm.MarkerSeconds, vmm.ExitSeconds, vmm.GuestUptimeSeconds, vmm.BeforeKernelSeconds, vmm.Passed, vmm.Failed));
        Assert.Equal([10.0, 12.0], vmm.MarkerRuns);
        LinuxBootBenchRow qemu = Assert.Single(rows, r => r.Runner == LinuxBootRunner.Qemu);
        Assert.Equal((20.0, 21.0, 3, 0), (qemu.MarkerSeconds, qemu.ExitSeconds, qemu.Passed, qemu.Failed));
    }

    [Fact]
    public void TheRatioIsVmmsMedianOverQemusAtEachVcpuCountAndMeetsTheGoalAtOne()
    {
        LinuxBootSample[] samples =
        [
            Pass(LinuxBootRunner.Vmm, 1, 1, 10, 12, 1), Pass(LinuxBootRunner.Qemu, 1, 1, 10, 16, 1),
            Pass(LinuxBootRunner.Vmm, 4, 1, 30, 30, 1), Pass(LinuxBootRunner.Qemu, 4, 1, 20, 24, 1), Pass(LinuxBootRunner.VmmInProcess, 4, 1, 15, 15, 1),
        ];
        LinuxBootBenchRatio[] ratios = [.. LinuxBootBenchResults.Ratios(LinuxBootBenchResults.Rows(samples))];
        Assert.Equal(
            ["1 vCPU, vmm / qemu to the marker: 1.00 (goal ≤ 1.0: met)", "4 vCPUs, vmm / qemu to the marker: 1.50 (goal ≤ 1.0: missed)", "4 vCPUs, vmm in-process / qemu to the marker: 0.75 (goal ≤ 1.0: met)"],
            ratios.Select(r => r.ToString()));
        Assert.Equal([0.75, 1.25, 0.625], ratios.Select(r => r.Exit));
    }

    [Fact]
    public void NoRatioWithoutAPassedQemuBoot()
    {
        Assert.Empty(LinuxBootBenchResults.Ratios(LinuxBootBenchResults.Rows([Pass(LinuxBootRunner.Vmm, 1, 1, 10, 12, 1)])));
        Assert.Empty(LinuxBootBenchResults.Ratios(LinuxBootBenchResults.Rows([Pass(LinuxBootRunner.Vmm, 1, 1, 10, 12, 1), Fail(LinuxBootRunner.Qemu, 1, 1)])));
    }

    [Fact]
    public void TheTableHasARowPerRunnerAndTheRatioUnderEachVcpuCount()
    {
        LinuxBootSample[] samples =
        [
            Pass(LinuxBootRunner.Vmm, 2, 1, 30, 33, 10), Pass(LinuxBootRunner.Qemu, 2, 1, 20, 22, 9), Fail(LinuxBootRunner.Qemu, 2, 2),
        ];
        IReadOnlyList<LinuxBootBenchRow> rows = LinuxBootBenchResults.Rows(samples);
        using var text = new StringWriter();
        SpectreConsoles.Create(text, terminal: false).Write(LinuxBootBenchCommand.ToTable(rows, LinuxBootBenchResults.Ratios(rows)));
        string[] lines = [.. Lines(text.ToString()).Where(l => l.Contains(" 2 ", StringComparison.Ordinal))];
        Assert.Equal(3, lines.Length);
        Assert.Matches(@"2 .* vmm .* 30\.00 .* 33\.00 .* 10\.00 .* 20\.00 .* 1/1 .* 30\.00", lines[0]);
        Assert.Matches(@"2 .* qemu .* 20\.00 .* 22\.00 .* 9\.00 .* 11\.00 .* 1/2 .* 20\.00", lines[1]);
        Assert.Matches(@"2 .* vmm / qemu .* 1\.50x .* 1\.50x", lines[2]);
    }

    // ------------------------------------------------------------------------------------------ command lines

    [Theory]
    [InlineData("console=ttyS0 acpi=off pci=off panic=-1 quiet", "console=ttyS0 pci=off panic=-1 quiet")]
    [InlineData("acpi=off", "")]
    [InlineData("console=ttyS0  acpi=offline", "console=ttyS0 acpi=offline")]
    public void QemusCommandLineIsVmmsWithoutAcpiOff(string append, string expected) => Assert.Equal(expected, LinuxBootCommandLines.QemuAppend(append));

    [Fact]
    public void BothVmmsGetTheSameKernelInitrdVcpusAndRam()
    {
        var settings = new LinuxBootBenchSettings
        {
            KernelPath = "/g/bzImage", InitrdPath = "/g/initramfs.cpio.gz", Append = "console=ttyS0 acpi=off quiet", QemuAppend = "console=ttyS0 quiet",
            Memory = 512UL << 20, Cpus = [1, 4], Runs = 3, HyperV = "linux,+time,+frequencies", Qemu = "/usr/bin/qemu-system-x86_64", Vmm = ["/bin/vmm"], TimeoutSeconds = 600,
        };
        string qemu = string.Join(' ', LinuxBootCommandLines.Qemu(settings, 4));
        Assert.Equal(
            "-accel kvm -cpu host -m 512M -smp 4 -nodefaults -no-user-config -display none -serial stdio -kernel /g/bzImage -initrd /g/initramfs.cpio.gz "
            + "-append console=ttyS0 quiet -device isa-debug-exit,iobase=0x500,iosize=0x01 -no-reboot",
            qemu);
        Assert.Equal(
            ["run", "--backend", "auto", "--kernel", "/g/bzImage", "--initrd", "/g/initramfs.cpio.gz", "--append", "console=ttyS0 acpi=off quiet", "--cpus", "4", "--memory", "512M",
             "--hv", "linux,+time,+frequencies", "--serial", "stdio", "--timeout", "600"],
            LinuxBootCommandLines.Vmm(settings, 4));
        Assert.Equal([LinuxBootRunner.Vmm, LinuxBootRunner.Qemu], settings.Runners);
        Assert.Equal([LinuxBootRunner.Vmm], (settings with { Qemu = null }).Runners);
    }

    [Fact]
    public void EachRunStartsWithTheNextRunner()
    {
        LinuxBootRunner[] all = [LinuxBootRunner.Vmm, LinuxBootRunner.Qemu, LinuxBootRunner.VmmInProcess];
        Assert.Equal(all, LinuxBootCommandLines.Order(all, 1));
        Assert.Equal([LinuxBootRunner.Qemu, LinuxBootRunner.VmmInProcess, LinuxBootRunner.Vmm], LinuxBootCommandLines.Order(all, 2));
        Assert.Equal(all, LinuxBootCommandLines.Order(all, 4));
    }

    private static LinuxBootSample Pass(LinuxBootRunner runner, int vcpus, int run, double marker, double exit, double uptime) =>
        new(runner, vcpus, run, marker, exit, uptime, vcpus, null);

    private static LinuxBootSample Fail(LinuxBootRunner runner, int vcpus, int run) => new(runner, vcpus, run, null, 99, null, 0, "no marker");

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

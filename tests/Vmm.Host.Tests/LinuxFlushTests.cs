using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Vmm.Core.Boot.Linux;
using Vmm.Core.Machine;
using Vmm.Host.Cli;
using Vmm.Host.Tracing;
using Vmm.HyperV.Cpuid;
using Vmm.HyperV.Hypercalls;
using Vmm.HyperV.Tlfs;
using Vmm.Kvm;

namespace Vmm.Host.Tests;

/// <summary>
/// Proves from inside Debian's stock kernel that Linux flushes remote TLBs through vmm's flush hypercalls and that
/// those flushes work: the initramfs's /init (tools/linux-guest/init.sh, <c>vmmtest=tlb</c>) runs tlbcheck
/// (tools/linux-guest/tlbcheck.c: reader threads on every other CPU, the main thread remapping the page they read,
/// one remote flush per round) between readings of the TLB shootdown row of /proc/interrupts and of the tracepoint
/// hyperv:hyperv_mmu_flush_tlb_multi, while vmm traces every hypercall. See docs/linux-guest.md.
/// </summary>
/// <remarks>
/// Each proof has a negative control that must fail it: without the flush recommendation Linux shoots down with IPIs
/// and makes no flush hypercall; with vmm skipping the flushes tlbcheck reads stale pages. Needs upstream KVM
/// (hardware or tools/nested-kvm) and the recipe's artifacts in $VMM_LINUX_GUEST_DIR; skips on PVM-based KVM.
/// </remarks>
public sealed class LinuxFlushTests
{
    private const string CommandLine = "quiet printk.devkmsg=on console=ttyS0 8250.nr_uarts=1 acpi=off pci=off panic=-1 nokaslr printk.time=1 vmmtest=tlb";
    private const ulong Memory = 512UL << 20;
    private const string LinuxProfile = "linux,+time,+frequencies";

    // HvCallFlushVirtualAddressSpace/List and their Ex forms (TLFS, hypercall reference; docs/hyperv.md, Call codes).
    private const int FlushSpace = 0x0002;
    private const int FlushList = 0x0003;
    private const int FlushSpaceEx = 0x0013;
    private const int FlushListEx = 0x0014;
    private static readonly int[] FlushCodes = [FlushSpace, FlushList, FlushSpaceEx, FlushListEx];

    // Rows take 10-30 s nested (tools/nested-kvm, 5 L1 vCPUs); a hang ends at this limit (and is described).
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    // On the IPI path a few remaps send no shootdown (measured nested: 199 of 200, 148-149 of 150, 95-98 of 100; why
    // not investigated), so the IPI controls ask for nine in ten; the flat-row proofs allow one in twenty.

    /// <summary>
    /// Linux with the flush recommendation: every remap's remote flush is one flush hypercall (non-Ex: every VP index
    /// is below 64) that succeeds, as many as the tracepoint counted, no TLB shootdown IPI, and tlbcheck never reads a
    /// stale page.
    /// </summary>
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void LinuxFlushesRemoteTlbsOnlyThroughSuccessfulFlushHypercallsAndReadsNoStalePage(int cpus)
    {
        long rounds = KvmTestSupport.Scaled(300, 150);
        Run run = Boot(cpus, LinuxProfile, $"vmmtest.rounds={rounds}");
        run.Report($"{cpus} vCPUs");
        Assert.True(run.Exit.Reason == MachineExitReason.GuestExit && run.Exit.Status == 0, $"{run.Exit}\n{run.Serial}");
        Assert.Contains("Hyper-V: Using hypercall for remote TLB flush", run.Serial);
        Assert.Contains($"tlbcheck: mode=fixed cpus={cpus} readers={cpus - 1} rounds={rounds} ", run.Serial);
        Assert.Equal(rounds, run.Rounds);
        Assert.Equal(0, run.Stale);

        Assert.All(run.Flushes, e => Assert.Equal((int)HvStatus.Success, e.StatusCode));
        Assert.DoesNotContain(run.Flushes, e => e.Code is FlushSpaceEx or FlushListEx);
        Assert.True(run.Flushes.Count >= rounds, $"{run.Flushes.Count} flush hypercalls for {rounds} remaps");

        // The tracepoint fires at every entry of hyperv_flush_tlb_multi, also when it then falls back to IPIs: as many
        // hypercalls as events means none fell back.
        Assert.True(run.TracepointSinceInit >= rounds, $"tracepoint counted {run.TracepointSinceInit} for {rounds} remaps");
        run.AssertAsManyFlushCallsAsTracepointEvents();

        // Only kernel-range flushes (flush_tlb_kernel_range and friends, arch/x86/mm/tlb.c) still use IPIs.
        Assert.True(run.TlbDelta <= rounds / 20, $"TLB shootdown IPIs grew by {run.TlbDelta} during {rounds} remaps");
    }

    /// <summary>
    /// Negative control of the proof above: without the recommendation (HV_X64_REMOTE_TLB_FLUSH_RECOMMENDED, CPUID
    /// 0x40000004.EAX bit 2) Linux keeps its IPI shootdowns, so the same workload makes no flush hypercall, the
    /// tracepoint stays silent and the TLB row grows with every remap; the flushes still work.
    /// </summary>
    [Fact]
    public void WithoutTheFlushRecommendationLinuxShootsDownWithIpisAndMakesNoFlushHypercall()
    {
        const long rounds = 150;
        Run run = Boot(2, LinuxProfile + ",-tlbflush", $"vmmtest.rounds={rounds}");
        run.Report("-tlbflush");
        Assert.True(run.Exit.Reason == MachineExitReason.GuestExit && run.Exit.Status == 0, $"{run.Exit}\n{run.Serial}");
        Assert.Contains("Hypervisor detected: Microsoft Hyper-V", run.Serial);
        Assert.DoesNotContain("Using hypercall for remote TLB flush", run.Serial);
        Assert.Equal(0, run.Stale);
        Assert.Empty(run.Flushes);
        Assert.Equal(0, run.TracepointRun);
        Assert.True(run.TlbDelta >= rounds * 9 / 10, $"TLB shootdown IPIs grew by {run.TlbDelta} during {rounds} remaps");
    }

    /// <summary>
    /// Negative control of the stale-read check: vmm acknowledging the flush hypercalls without flushing
    /// (<c>--unsafe-skip-flush</c>) must make tlbcheck read old pages and fail the guest. Under QEMU's TCG (the nested
    /// host) a stale translation survives only on a guest vCPU with a host CPU of its own, so this needs more host
    /// CPUs than guest vCPUs.
    /// </summary>
    [Fact]
    public void SkippedFlushHypercallsLeaveLinuxReadingStalePages()
    {
        const int cpus = 2;
        LinuxGuestTestSupport.SkipUnlessStockLinuxRuns();
        Assert.SkipWhen(
            Environment.ProcessorCount <= cpus,
            $"{Environment.ProcessorCount} host CPUs: a stale translation is only observable on a vCPU with a CPU of its own (nested: --cpus {cpus + 1} or more)");
        Run run = Boot(cpus, LinuxProfile, "vmmtest.rounds=150", c => c with { UnsafeSkipFlush = true });
        run.Report("--unsafe-skip-flush");
        Assert.True(run.Exit.Reason == MachineExitReason.GuestExit && run.Exit.Status == 1, $"{run.Exit}\n{run.Serial}");
        Assert.Contains("tlbcheck: verdict=stale", run.Serial);
        Assert.True(run.Stale > 0, run.Serial);
        Assert.NotEmpty(run.Flushes);
        Assert.All(run.Flushes, e => Assert.Equal((int)HvStatus.Success, e.StatusCode));
    }

    /// <summary>
    /// A VP index of 64 or more among the targets makes Linux use the Ex (HV_VP_SET) calls when they are recommended
    /// (hyperv_flush_tlb_multi, arch/x86/hyperv/mmu.c). A target set of every present CPU takes the non-Ex calls with
    /// HV_FLUSH_ALL_PROCESSORS whatever the VP indices, so tlbcheck runs on CPUs 0 and 2 of 3, CPU 2 being VP 65:
    /// Ex calls appear, all succeed, as many calls as tracepoint events, no shootdown IPI, no stale read.
    /// </summary>
    [Fact]
    public void AHighVpIndexAmongTheTargetsMakesLinuxUseTheExFlushHypercalls()
    {
        const long rounds = 100;
        Run run = Boot(3, LinuxProfile + ",+tlbflush-ex", $"vmmtest.rounds={rounds} vmmtest.cpus=0,2", c => c with { VpIndices = [0, 1, 65] });
        run.Report("+tlbflush-ex, VP indices 0,1,65, tlbcheck on CPUs 0,2");
        Assert.True(run.Exit.Reason == MachineExitReason.GuestExit && run.Exit.Status == 0, $"{run.Exit}\n{run.Serial}");
        Assert.Equal(0, run.Stale);
        Assert.All(run.Flushes, e => Assert.Equal((int)HvStatus.Success, e.StatusCode));
        int ex = run.Flushes.Count(e => e.Code is FlushSpaceEx or FlushListEx);
        Assert.True(ex >= rounds, $"{ex} Ex flush hypercalls for {rounds} remaps targeting VP 65");
        run.AssertAsManyFlushCallsAsTracepointEvents();
        Assert.True(run.TlbDelta <= rounds / 20, $"TLB shootdown IPIs grew by {run.TlbDelta} during {rounds} remaps");
    }

    /// <summary>
    /// Negative control of the Ex proof, and of the counters: without recommendation bit 11 Linux cannot name VP 65,
    /// so each such flush enters hyperv_flush_tlb_multi (the tracepoint counts it) and falls back to IPIs without a
    /// hypercall: no Ex call, tracepoint events outnumber flush hypercalls by at least the rounds, the TLB row grows.
    /// </summary>
    [Fact]
    public void WithoutTheExRecommendationLinuxFlushesAHighVpIndexWithIpisAfterEnteringTheHyperVPath()
    {
        const long rounds = 100;
        Run run = Boot(3, LinuxProfile, $"vmmtest.rounds={rounds} vmmtest.cpus=0,2", c => c with { VpIndices = [0, 1, 65] });
        run.Report("no tlbflush-ex, VP indices 0,1,65, tlbcheck on CPUs 0,2");
        Assert.True(run.Exit.Reason == MachineExitReason.GuestExit && run.Exit.Status == 0, $"{run.Exit}\n{run.Serial}");
        Assert.Contains("Hyper-V: Using hypercall for remote TLB flush", run.Serial);
        Assert.Equal(0, run.Stale);
        Assert.DoesNotContain(run.Flushes, e => e.Code is FlushSpaceEx or FlushListEx);
        Assert.True(run.TracepointRun >= rounds, $"tracepoint counted {run.TracepointRun} during {rounds} remaps");
        // Every event but the remaps' may have made a call, plus the calls outside the tracepoint's window (see
        // OutsideTheTracepointsWindow); had the remaps used hypercalls there would be at least as many calls as events.
        Assert.True(
            run.Flushes.Count <= run.TracepointSinceInit - rounds + run.OutsideTheTracepointsWindow,
            $"{run.Flushes.Count} flush hypercalls for {run.TracepointSinceInit} tracepoint events: the {rounds} remaps should have fallen back");
        Assert.True(run.TlbDelta >= rounds * 9 / 10, $"TLB shootdown IPIs grew by {run.TlbDelta} during {rounds} remaps");
    }

    private static Run Boot(int cpus, string hv, string extra, Func<VmConfiguration, VmConfiguration>? configure = null)
    {
        string dir = LinuxGuestTestSupport.SkipUnlessStockLinuxRuns();
        if (!OperatingSystem.IsLinux())
        {
            return null!;
        }

        Run run = BootOnce(dir, cpus, hv, extra, configure, out bool hungOwingNothing);
        if (hungOwingNothing && KvmTestSupport.OnNestedHost)
        {
            // See KvmTestSupport.OnNestedHost: one boot again, the first one's evidence kept as a warning.
            TestContext.Current.AddWarning($"the first boot hung with vmm owing no vCPU a kick or a flush; booted again. The first boot:\n{run.Exit}\n{run.Serial}");
            run = BootOnce(dir, cpus, hv, extra, configure, out _);
        }

        return run;
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static Run BootOnce(string dir, int cpus, string hv, string extra, Func<VmConfiguration, VmConfiguration>? configure, out bool hungOwingNothing)
    {
        var loader = new LinuxKernelLoader(Path.Combine(dir, "vmlinux"), Path.Combine(dir, "initramfs.cpio.gz"), $"{CommandLine} {extra}");
        using KvmHypervisor kvm = KvmHypervisor.Open();
        using var serial = new MemoryStream();
        using var trace = new MemoryStream();
        HypercallTraceStatistics statistics = default;
        HyperVFeatureProfile profile = VmConfiguration.ParseHyperV(hv, cpus);
        var config = new VmConfiguration
        {
            Cpus = cpus, Memory = Memory, HyperV = profile, Serial = serial,
            HypercallTrace = trace, HypercallTraceReport = s => statistics = s,
        };
        config = configure?.Invoke(config) ?? config;
        var watch = Stopwatch.StartNew();
        MachineExit exit;
        string? vcpuStates;
        using (Machine machine = VmFactory.Create(kvm, config, loader, Serilog.Core.Logger.None))
        {
            machine.Start();
            exit = LinuxGuestTestSupport.WaitForExit(machine, Limit, out string? hostThreads);
            machine.Dispose();
            vcpuStates = machine.VcpuStateReport is { } states ? $"{states}\n{hostThreads}" : null;
            hungOwingNothing = machine.VcpuStatesAtHostStop is { } stop && stop.All(v => v.VmmOwedNothing);
        }

        string log = LinuxGuestTestSupport.WithVcpuStates(Encoding.UTF8.GetString(serial.ToArray()), vcpuStates);
        TraceReadResult read = HypercallTraceReader.Read(new StringReader(Encoding.UTF8.GetString(trace.ToArray())));
        Assert.Empty(read.Errors);
        Assert.Equal(0, statistics.Dropped);
        return new Run(exit, log, read.Entries.Where(e => FlushCodes.Contains(e.Code) && !e.Continued).ToList(), watch.Elapsed);
    }

    /// <summary>One boot: the exit, the console, the flush hypercalls vmm traced and what /init reported.</summary>
    private sealed record Run(MachineExit Exit, string Serial, IReadOnlyList<HypercallTraceEntry> Flushes, TimeSpan Elapsed)
    {
        /// <summary>What /init reported about the workload (the parser vmm bench linux-flush uses).</summary>
        public LinuxFlushReport Parsed => LinuxFlushReport.Parse(Serial.Split('\n'), out string? missing) ?? throw new Xunit.Sdk.XunitException($"{missing}, in:\n{Exit}\n{Serial}");

        public long Rounds => Parsed.Rounds;

        public long Stale => Parsed.Stale;

        public long TlbDelta => Parsed.TlbDelta;

        public long TracepointRun => Parsed.Tracepoint ?? throw new Xunit.Sdk.XunitException($"the kernel has no hyperv_mmu_flush_tlb_multi tracepoint:\n{Serial}");

        public long TracepointSinceInit => Parsed.TracepointSinceInit ?? throw new Xunit.Sdk.XunitException($"no since_init count from the tracepoint:\n{Serial}");

        /// <summary>
        /// Every event of the tracepoint made a flush hypercall: never fewer calls than events. vmm traces the whole
        /// boot, the tracepoint counts from /init's first lines until tlbcheck's report, and /init forks before and
        /// after (mount, command substitutions, the exit-port pipeline; each fork may flush), so calls may exceed the
        /// events by up to <see cref="OutsideTheTracepointsWindow"/>.
        /// </summary>
        public void AssertAsManyFlushCallsAsTracepointEvents() =>
            Assert.InRange(Flushes.Count, TracepointSinceInit, TracepointSinceInit + OutsideTheTracepointsWindow);

        /// <summary>
        /// How many flush hypercalls may fall outside the tracepoint's window (before /init starts it, and in the
        /// forks after its last reading): measured 0-8 with 300 remaps at 2 and 4 vCPUs and 8-17 with 100 at 3 vCPUs,
        /// in both the proof and its control (the control once had 16 calls for 15 non-remap events, nested).
        /// </summary>
        public long OutsideTheTracepointsWindow => 10 + (TracepointSinceInit / 5);

        /// <summary>Writes the numbers the report of a run needs to the test's diagnostics.</summary>
        public void Report(string what)
        {
            string Find(string pattern) => Regex.Match(Serial, pattern) is { Success: true } m ? m.Groups[1].Value : "?";
            string codes = string.Join(", ", Flushes.GroupBy(e => e.Code).OrderBy(g => g.Key).Select(g => $"0x{g.Key:X4}: {g.Count()}"));
            TestContext.Current.SendDiagnosticMessage(
                $"{what}: exit {Exit}, {Elapsed.TotalSeconds:0.0} s; flush hypercalls [{codes}]; tracepoint {Find(@"VMM-TLB (tracepoint=\S+(?: run=\d+ since_init=\d+)?)")}; "
                + $"TLB row {Find(@"VMM-TLB (tlb_before=.*)")}; {Find(@"(tlbcheck: rounds=.*)")}");
        }
    }
}

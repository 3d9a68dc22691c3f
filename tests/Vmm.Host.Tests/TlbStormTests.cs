using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Vmm.Guests;
using Vmm.Host.Cli;

namespace Vmm.Host.Tests;

/// <summary>
/// The `tlbstorm` guest through `vmm run` on KVM: every vCPU flushes all the others at once, 10,000 rounds each at
/// 8 vCPUs, and the run ends in time (no deadlock: `--timeout` turns a hang into a failure) with zero stale reads,
/// for both flush strategies; with flushes skipped every vCPU reports stale reads and the run fails, so the check
/// is live.
/// </summary>
[Collection("vmm-cli")]
public sealed partial class TlbStormTests
{
    private const string ExVariants =
        "space, space-all, list, space-ex, space-ex-all, list-ex, space-xmm, space-all-xmm, list-xmm, space-ex-xmm, space-ex-all-xmm, list-ex-xmm";
    private readonly ITestOutputHelper _output;

    public TlbStormTests(ITestOutputHelper output) => _output = output;

    // Measured here (2 host CPUs shared with other work, 8 vCPUs x 10,000 rounds): kick 23-32 s, memslot 213-397 s
    // (every request is one serialized memslot update that zaps all shadow pages). The limits leave room for a
    // slower machine and still end a deadlocked run instead of hanging CI.
    [Theory]
    [InlineData("kick", 300)]
    [InlineData("memslot", 600)]
    public void EightVcpusEachFlushingAllOthersTenThousandTimesEndInTimeWithNoStaleRead(string strategy, int limitSeconds)
    {
        // Measured on the nested host (QEMU 7.2's software SVM, 8 L2 vCPUs on 5 L1 vCPUs) on 2026-12-03: in 2 of 4
        // suite runs this storm ended in an L2 triple fault (memslot: vCPU 6 after 1.3 s; kick: vCPU 3 after 7.9 s),
        // and it wedged L1 once before (tools/nested-kvm/README.md, "Triple faults"). Not root-caused: the emulator is the suspect
        // (it also reset L1 itself under 8-vCPU flush loads), vmm is not ruled out. It runs on PVM and hardware KVM.
        Assert.SkipWhen(
            KvmTestSupport.OnNestedHost,
            "on the nested host (QEMU 7.2 TCG SVM) this 8-vCPU storm ended in an L2 triple fault in 2 of 4 runs (2026-12-03, not root-caused; tools/nested-kvm/README.md)");
        long rounds = KvmTestSupport.Scaled(10_000, 500);
        (int code, string serial) = Run(8, rounds, strategy, limitSeconds);
        Assert.True(code == ExitCodes.Success, $"vmm run exited {code} (3: the time limit ended it, or the VM failed)\n{serial}");
        Assert.Contains($"tlbstorm: 8 vCPUs x {rounds} rounds (variants: {ExVariants}), 0 stale reads in ", serial, StringComparison.Ordinal);
        for (int t = 0; t < 8; t++)
        {
            Assert.Matches($"tlbstorm: vCPU {t}: {rounds} rounds sent, [1-9][0-9]* samples, 0 stale reads, 0 reads of no marker;", serial);
        }

        // Every vCPU saw each other sender's epoch move many times (the guest's own criterion, restated).
        Assert.InRange(FewestObserved(serial), TlbStormGuest.DefaultMinObserved(rounds, TlbStormGuest.DefaultWindow), rounds);
        Assert.Contains("tlbstorm: PASSED", serial, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kick", "windows", ExVariants)]
    [InlineData("memslot", "windows", ExVariants)]
    [InlineData("kick", "linux", "space, space-all, list")]
    public void TwoVcpusFlushingEachOtherAThousandTimesPass(string strategy, string hv, string variants)
    {
        (int code, string serial) = Run(2, 1_000, strategy, 120, hv: hv);
        Assert.True(code == ExitCodes.Success, $"vmm run exited {code}\n{serial}");
        Assert.Contains($"tlbstorm: 2 vCPUs x 1000 rounds (variants: {variants}), 0 stale reads in ", serial, StringComparison.Ordinal);
        Assert.InRange(FewestObserved(serial), TlbStormGuest.DefaultMinObserved(1_000, TlbStormGuest.DefaultWindow), 1_000);
    }

    [Fact]
    public void WithFlushesSkippedEveryVcpuReportsStaleReadsAndTheStormFails()
    {
        // 1024 read passes between send rounds (default 16): a vCPU keeps its translations for longer between its
        // own hypercall exits, so a skipped flush is seen even where every VM entry flushes the TLB (the nested
        // host under QEMU TCG, tools/nested-kvm; with 16 passes some vCPUs there saw no stale read at all).
        (int code, string serial) = Run(4, 300, "kick", 120, skipFlush: true, passes: 1024);
        Assert.Equal(ExitCodes.GuestFailed, code);

        // On the nested host a vCPU sees a stale translation only while it runs without a VM exit, and each vCPU
        // exits at every one of its rounds: there the run fails with stale reads, but not always on every vCPU
        // (measured with 5 L1 vCPUs: 3 runs of 3 failed with 14,000-170,000 stale reads, 1 or 2 vCPUs with none).
        int[] stale = [.. Enumerable.Range(0, 4).Where(t => !Regex.IsMatch(serial, $"tlbstorm: vCPU {t}: 300 rounds sent, [0-9]+ samples, 0 stale reads"))];
        Assert.NotEmpty(stale);
        foreach (int t in KvmTestSupport.OnNestedHost ? stale : Enumerable.Range(0, 4))
        {
            Assert.Matches($"tlbstorm: vCPU {t}: 300 rounds sent, [0-9]+ samples, [1-9][0-9]* stale reads", serial);
            Assert.Matches($"tlbstorm: vCPU {t}: first bad read in its round [0-9]+: address of sender [0-9]+ in its epoch [0-9]+ read marker [0-9]+", serial);
        }

        Assert.DoesNotContain(" 0 stale reads in ", serial, StringComparison.Ordinal);
        Assert.Contains("tlbstorm: FAILED", serial, StringComparison.Ordinal);
    }

    private static long FewestObserved(string serial) => KvmTestSupport.Count(FewestObservedPattern(), serial);

    [GeneratedRegex("fewest epoch changes one vCPU saw of one sender: ([0-9]+)")]
    private static partial Regex FewestObservedPattern();

    private (int Code, string Serial) Run(int cpus, long rounds, string strategy, int limitSeconds, string hv = "windows", bool skipFlush = false, long passes = TlbStormGuest.DefaultPasses)
    {
        KvmTestSupport.SkipUnlessKvm();
        string serial = Path.GetTempFileName();
        try
        {
            string[] args =
            [
                "run", "--guest", "tlbstorm", "--cpus", cpus.ToString(CultureInfo.InvariantCulture), "--hv", hv,
                "--guest-arg", FormattableString.Invariant($"rounds={rounds}"), "--guest-arg", FormattableString.Invariant($"passes={passes}"),
                "--flush-strategy", strategy,
                "--timeout", limitSeconds.ToString(CultureInfo.InvariantCulture), "--serial", serial,
                .. skipFlush ? new[] { "--unsafe-skip-flush" } : [],
            ];
            (int code, string text, string error) = KvmTestSupport.RunAgainOnceAfterANestedTripleFault(
                () =>
                {
                    var error = new StringWriter();
                    var watch = Stopwatch.StartNew();
                    int code = VmmCommandLine.Run(args, error);
                    string text = File.ReadAllText(serial);
                    _output.WriteLine($"{cpus} vCPUs x {rounds} rounds, {strategy}, --hv {hv}{(skipFlush ? ", flushes skipped" : string.Empty)}: exit {code} after {watch.Elapsed.TotalSeconds:F1} s (limit {limitSeconds} s)\n{error}{text}");
                    return (code, text, error: error.ToString());
                },
                r => r.error.Contains("shut down (triple fault)", StringComparison.Ordinal) ? $"{r.error}{r.text}" : null);
            return (code, text);
        }
        finally
        {
            File.Delete(serial);
        }
    }
}

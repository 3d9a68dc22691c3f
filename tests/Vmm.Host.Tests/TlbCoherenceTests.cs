using System.Globalization;
using System.Text.RegularExpressions;
using Vmm.Core.Machine;
using Vmm.Guests;

namespace Vmm.Host.Tests;

/// <summary>
/// The `tlbcoherence` guest on KVM, composed as `vmm run` does it: no stale translation survives a flush hypercall
/// (every variant, 2/4/8 vCPUs, VP indices spanning sparse banks), and the test is sensitive: with flushes skipped,
/// or with one worker left out of the processor sets, it reports stale reads and fails.
/// </summary>
[Collection("vmm-cli")]
public sealed partial class TlbCoherenceTests
{
    private readonly ITestOutputHelper _output;

    public TlbCoherenceTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void NoStaleReadAfterTenThousandFlushRounds(int cpus)
    {
        // Measured on the nested host on 2026-12-03 (8 L2 vCPUs on 5 L1 vCPUs): this row ended in an L2 triple fault
        // (vCPU 2 after 13.8 s) in 1 of 5 suite runs, as the 8-vCPU tlbstorm rows did in 2 (TlbStormTests). Not
        // root-caused; the emulator is the suspect, vmm is not ruled out (tools/nested-kvm/README.md, "Triple faults"). It runs
        // on PVM and hardware KVM; the 8-vCPU memslot row below passed in every nested run that reached it and stays.
        Assert.SkipWhen(
            cpus == 8 && KvmTestSupport.OnNestedHost,
            "on the nested host (QEMU 7.2 TCG SVM) 8-vCPU flush storms ended in L2 triple faults in 3 of 5 TLB suite runs (2026-12-03, not root-caused; tools/nested-kvm/README.md)");
        long rounds = KvmTestSupport.Scaled(10_000, 500);
        (MachineExit exit, string serial) = Run(cpus, "windows", rounds);
        Assert.True(exit.Passed, $"{exit}\n{serial}");
        Assert.Contains(
            $"tlbcoherence: {rounds} rounds on {cpus} vCPUs (variants: space, space-all, list, space-ex, space-ex-all, list-ex, "
            + "space-xmm, space-all-xmm, list-xmm, space-ex-xmm, space-ex-all-xmm, list-ex-xmm), 0 stale reads in ",
            serial,
            StringComparison.Ordinal);
        Assert.True(Samples(serial) > rounds, serial);
    }

    [Fact]
    public void NoStaleReadWithVpIndicesInSparseBanksUpToTheLast()
    {
        // Banks 0, 1, 2 and 63 (VP 4095, the highest an HV_VP_SET can name).
        (MachineExit exit, string serial) = Run(5, "windows", rounds: 2_000, vpIndices: [0, 1, 65, 130, 4095]);
        Assert.True(exit.Passed, $"{exit}\n{serial}");

        // Indices of 64 and above cannot be named in a 64-bit mask: only ALL_PROCESSORS and the Ex calls run.
        Assert.Contains(
            "tlbcoherence: 2000 rounds on 5 vCPUs (variants: space-all, space-ex, space-ex-all, list-ex, space-all-xmm, space-ex-xmm, space-ex-all-xmm, list-ex-xmm), 0 stale reads in ",
            serial,
            StringComparison.Ordinal);
    }

    [Fact]
    public void NoStaleReadWithOnlyTheNonExCalls()
    {
        (MachineExit exit, string serial) = Run(3, "linux", rounds: 2_000);
        Assert.True(exit.Passed, $"{exit}\n{serial}");
        Assert.Contains("tlbcoherence: 2000 rounds on 3 vCPUs (variants: space, space-all, list), 0 stale reads in ", serial, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void SkippedFlushesAreReportedAsStaleReadsAndFail(int cpus)
    {
        (MachineExit exit, string serial) = RunControl(
            () => Run(cpus, "windows", rounds: 300, skipFlush: true),
            s => Enumerable.Range(1, cpus - 1).All(t => s.Contains($"tlbcoherence: vCPU {t}: ", StringComparison.Ordinal)),
            _ => { });
        Assert.False(exit.Passed, $"{exit}\n{serial}");
        Assert.Equal(1u, exit.Status);
        for (int t = 1; t < cpus; t++)
        {
            Assert.Matches($"tlbcoherence: vCPU {t}: [1-9][0-9]* stale reads \\(first bad read in round [0-9]+: read marker [0-9]+, expected [0-9]+\\)", serial);
        }

        Assert.Contains("tlbcoherence: FAILED", serial, StringComparison.Ordinal);
        Assert.DoesNotContain(" 0 stale reads", serial, StringComparison.Ordinal);
    }

    [Fact]
    public void AWorkerLeftOutOfTheProcessorSetsIsTheOnlyOneWithStaleReads()
    {
        // Workers 1 and 3 are flushed in the same rounds as worker 2: with private page tables their shadow-page
        // syncs must not repair worker 2's translation (docs/kvm-host.md#stale-translations).
        (MachineExit exit, string serial) = RunControl(
            () => Run(4, "windows", rounds: 300, arguments: new() { ["omit"] = "2" }),
            s => s.Contains("tlbcoherence: vCPU 2: ", StringComparison.Ordinal),
            s =>
            {
                Assert.DoesNotContain("tlbcoherence: vCPU 1:", s, StringComparison.Ordinal);
                Assert.DoesNotContain("tlbcoherence: vCPU 3:", s, StringComparison.Ordinal);
            });
        Assert.False(exit.Passed, $"{exit}\n{serial}");
        Assert.Matches("tlbcoherence: vCPU 2: [1-9][0-9]* stale reads", serial);
    }

    /// <summary>
    /// Runs a negative control that must show stale reads: <paramref name="everyRun"/> holds for every run, and a run
    /// counts once <paramref name="shown"/> (every vCPU that must read stale did). Nested, a stale translation
    /// survives only while its L2 vCPU runs without a VM exit, and one run may show none (in CI once: the omit=2
    /// control, 0 stale reads in 5e8 samples; see <see cref="KvmTestSupport.OnNestedHost"/>): there the control gets
    /// up to three runs, each one that showed nothing kept as a warning. Elsewhere it gets one.
    /// </summary>
    private static (MachineExit Exit, string Serial) RunControl(Func<(MachineExit, string)> run, Func<string, bool> shown, Action<string> everyRun)
    {
        int tries = KvmTestSupport.OnNestedHost ? 3 : 1;
        for (int attempt = 1; ; attempt++)
        {
            (MachineExit exit, string serial) = run();
            everyRun(serial);
            if (shown(serial) || attempt == tries)
            {
                return (exit, serial);
            }

            TestContext.Current.AddWarning($"run {attempt} of this control showed too few stale reads on this host; running it again:\n{serial}");
        }
    }

    private static long Samples(string serial) => KvmTestSupport.Count(SamplesPattern(), serial);

    [GeneratedRegex(" stale reads in ([0-9]+) samples")]
    private static partial Regex SamplesPattern();

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    public void NoStaleReadWithTheMemslotFlushStrategy(int cpus)
    {
        long rounds = KvmTestSupport.Scaled(2_000, 200);
        (MachineExit exit, string serial) = Run(cpus, "windows", rounds, strategy: Vmm.Core.TlbFlush.TlbFlushStrategy.PlatformWide);
        Assert.True(exit.Passed, $"{exit}\n{serial}");
        Assert.Contains($"tlbcoherence: {rounds} rounds on {cpus} vCPUs", serial, StringComparison.Ordinal);
        Assert.Contains(", 0 stale reads in ", serial, StringComparison.Ordinal);
    }

    private (MachineExit Exit, string Serial) Run(int cpus, string hv, long rounds, int[]? vpIndices = null, bool skipFlush = false, Dictionary<string, string>? arguments = null, Vmm.Core.TlbFlush.TlbFlushStrategy strategy = Vmm.Core.TlbFlush.TlbFlushStrategy.KickAndWait)
    {
        arguments ??= [];
        arguments["rounds"] = rounds.ToString(CultureInfo.InvariantCulture);
        return KvmTestSupport.RunAgainOnceAfterANestedTripleFault(
            () =>
            {
                (MachineExit exit, string text, TimeSpan elapsed) = KvmTestSupport.RunGuest(
                    new TlbCoherenceGuest(), cpus, hv, arguments, vpIndices, TimeSpan.FromMinutes(15), c => c with { UnsafeSkipFlush = skipFlush, FlushStrategy = strategy });
                _output.WriteLine($"{cpus} vCPUs, {rounds} rounds: {elapsed.TotalSeconds:F1} s ({rounds / elapsed.TotalSeconds:F0} rounds/s)\n{text}");
                return (exit, text);
            },
            r => r.exit.Reason == MachineExitReason.Shutdown ? $"{r.exit}\n{r.text}" : null);
    }
}

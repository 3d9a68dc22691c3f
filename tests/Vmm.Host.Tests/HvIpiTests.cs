using System.Globalization;
using System.Text.RegularExpressions;
using Vmm.Core.Machine;
using Vmm.Guests;

namespace Vmm.Host.Tests;

/// <summary>
/// The `hvipi` guest on KVM, composed as `vmm run` does it: HvCallSendSyntheticClusterIpi and ...Ex, in every form
/// the profile offers, deliver exactly one interrupt to exactly the VPs they name, and the check is live: a vCPU left
/// out of the sets but still expected is reported missing.
/// </summary>
[Collection("vmm-cli")]
public sealed partial class HvIpiTests
{
    private readonly ITestOutputHelper _output;

    public HvIpiTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void EveryFormDeliversExactlyOneInterruptToEachNamedVcpuOnFourVcpus()
    {
        (MachineExit exit, string serial) = Run(4, "windows,+ipi", rounds: 600);
        Assert.True(exit.Passed, $"{exit}\n{serial}");
        Assert.Contains(
            "hvipi: 600 rounds on 4 vCPUs (variants: ipi, ipi-fast, ipi-ex, ipi-ex-all, ipi-ex-xmm, ipi-ex-all-xmm), ",
            serial,
            StringComparison.Ordinal);
        Assert.Contains(" interrupts delivered, 0 missing, 0 extra; 4 invalid calls rejected with HV_STATUS_INVALID_PARAMETER, no interrupt", serial, StringComparison.Ordinal);

        // At least one target per round, and the 200 SET_ALL rounds reach all 4 vCPUs.
        Assert.InRange(Delivered(serial), 400 + (200 * 4), 400 * 3 + (200 * 4));
    }

    [Fact]
    public void TheNonExFormsDeliverWithTheLinuxProfile()
    {
        (MachineExit exit, string serial) = Run(3, "linux,+ipi", rounds: 400);
        Assert.True(exit.Passed, $"{exit}\n{serial}");
        Assert.Contains("hvipi: 400 rounds on 3 vCPUs (variants: ipi, ipi-fast), ", serial, StringComparison.Ordinal);
        Assert.InRange(Delivered(serial), 400, 800);
    }

    [Fact]
    public void TheExFormsDeliverToVpIndicesInSparseBanksUpToTheLast()
    {
        (MachineExit exit, string serial) = Run(4, "windows,+ipi", rounds: 400, vpIndices: [0, 1, 65, 4095]);
        Assert.True(exit.Passed, $"{exit}\n{serial}");
        Assert.Contains("hvipi: 400 rounds on 4 vCPUs (variants: ipi-ex, ipi-ex-all, ipi-ex-xmm, ipi-ex-all-xmm), ", serial, StringComparison.Ordinal);
        Assert.Contains(" 0 missing, 0 extra; 2 invalid calls rejected", serial, StringComparison.Ordinal);
    }

    [Fact]
    public void AVcpuLeftOutOfTheSetButExpectedIsReportedMissingAndFails()
    {
        (MachineExit exit, string serial) = Run(4, "windows,+ipi", rounds: 100, arguments: new() { ["skipvp"] = "2" });
        Assert.False(exit.Passed, $"{exit}\n{serial}");
        Assert.Equal(1u, exit.Status);
        Assert.Contains("hvipi: round 1 (ipi): vCPU 2 has taken 0 interrupts, expected 1 (missing after 4294967296 TSC cycles)", serial, StringComparison.Ordinal);
        Assert.Contains("hvipi: FAILED", serial, StringComparison.Ordinal);
    }

    private static long Delivered(string serial) => KvmTestSupport.Count(DeliveredPattern(), serial);

    [GeneratedRegex("([0-9]+) interrupts delivered")]
    private static partial Regex DeliveredPattern();

    /// <summary>
    /// The proofs wait 2^36 TSC cycles (about 25 s) for each interrupt: on the nested host under load 18, three of them
    /// once saw an interrupt arrive later than the default 2^32 cycles. A lost interrupt still fails them, later; the
    /// negative control keeps the default so that it fails fast.
    /// </summary>
    private const long PatientWait = 1L << 36;

    private (MachineExit Exit, string Serial) Run(int cpus, string hv, long rounds, int[]? vpIndices = null, Dictionary<string, string>? arguments = null)
    {
        arguments ??= new() { ["wait"] = PatientWait.ToString(CultureInfo.InvariantCulture) };
        arguments["rounds"] = rounds.ToString(CultureInfo.InvariantCulture);
        (MachineExit exit, string serial, TimeSpan elapsed) = KvmTestSupport.RunGuest(new HvIpiGuest(), cpus, hv, arguments, vpIndices, TimeSpan.FromMinutes(5));
        _output.WriteLine($"{cpus} vCPUs, {rounds} rounds: {elapsed.TotalSeconds:F1} s\n{serial}");
        return (exit, serial);
    }
}

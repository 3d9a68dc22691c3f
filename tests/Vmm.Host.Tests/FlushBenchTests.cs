using System.Globalization;
using System.Text;
using Vmm.Core.Machine;
using Vmm.Guests;
using Vmm.HyperV.Cpuid;
using Vmm.Kvm;

namespace Vmm.Host.Tests;

/// <summary>
/// The `flushbench` guest's IPI shootdown on KVM (in-kernel x2APIC): it completes with a positive time for every round
/// and every target's acknowledgement of the last round, and its acknowledgements are real: a target that is never
/// sent the IPI makes it time out and fail.
/// </summary>
[Collection("vmm-cli")]
public sealed class FlushBenchTests
{
    private readonly ITestOutputHelper _output;

    public FlushBenchTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(2, "allbutself")]
    [InlineData(4, "allbutself")]
    [InlineData(4, "each")]
    public void IpiShootdownCompletesWithEveryRoundTimedAndAcknowledged(int cpus, string send)
    {
        const int Rounds = 30;
        (MachineExit exit, string serial, ulong[] samples, ulong[] acks) = Run(cpus, new() { ["rounds"] = $"{Rounds}", ["mode"] = "ipi", ["ipisend"] = send }, Rounds);
        Assert.True(exit.Passed, $"{exit}\n{serial}");
        Assert.All(samples, s => Assert.True(s > 0, $"a round took {s} TSC cycles"));
        Assert.Equal(0UL, acks[0]);                                  // the sender is never a target
        Assert.All(acks.Skip(1), a => Assert.Equal((ulong)Rounds, a));  // every target acknowledged the last round
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(4, 2)]
    public void ATargetLeftWithoutItsIpiMakesTheGuestTimeOutAndFail(int cpus, int skip)
    {
        (MachineExit exit, string serial, ulong[] samples, ulong[] acks) = Run(cpus, new() { ["rounds"] = "20", ["mode"] = "ipi", ["ipiskip"] = $"{skip}" }, 20);
        Assert.False(exit.Passed, $"{exit}\n{serial}");
        Assert.Equal(MachineExitReason.GuestExit, exit.Reason);
        Assert.Equal(1u, exit.Status);
        Assert.Contains($"flushbench: vCPU {skip} did not acknowledge the IPI of round 1 (its ack slot holds round 0;", serial, StringComparison.Ordinal);
        Assert.Equal(0UL, samples[0]);
        for (int t = 1; t < cpus; t++)
        {
            Assert.Equal(t == skip ? 0UL : 1UL, acks[t]);           // the others did get and acknowledge round 1
        }
    }

    private (MachineExit Exit, string Serial, ulong[] Samples, ulong[] Acks) Run(int cpus, Dictionary<string, string> arguments, int rounds)
    {
        string reason = "needs Linux with /dev/kvm";
        bool available = OperatingSystem.IsLinux() && KvmHypervisor.IsAvailable(out reason);
        Assert.SkipUnless(available, $"needs a usable /dev/kvm: {reason}");
        if (!OperatingSystem.IsLinux())
        {
            return default;
        }

        HyperVFeatureProfile profile = HyperVFeatureProfile.Linux;
        using KvmHypervisor kvm = KvmHypervisor.Open();
        using var serial = new MemoryStream();
        var config = new VmConfiguration { Cpus = cpus, Memory = 64UL << 20, HyperV = profile, Serial = serial };
        using Machine machine = VmFactory.Create(kvm, config, new BuiltInGuestLoader(new FlushBenchGuest(), arguments, profile), Serilog.Core.Logger.None);
        machine.Start();
        MachineExit exit = machine.WaitForExit(TimeSpan.FromMinutes(5));
        ulong[] samples = [.. Enumerable.Range(0, rounds).Select(i => machine.Memory.Read<ulong>(FlushBenchGuest.Samples + ((ulong)i * 8)))];
        ulong[] acks = [.. Enumerable.Range(0, cpus).Select(t => machine.Memory.Read<ulong>(FlushBenchGuest.Acks + ((ulong)t * 64)))];
        string text = Encoding.ASCII.GetString(serial.ToArray());
        double usPerTick = 1e6 / machine.Partition.TscFrequencyHz;
        _output.WriteLine($"{cpus} vCPUs: {exit}; rounds µs: {string.Join(' ', samples.Select(s => (s * usPerTick).ToString("0", CultureInfo.InvariantCulture)))}\n{text}");
        return (exit, text, samples, acks);
    }
}

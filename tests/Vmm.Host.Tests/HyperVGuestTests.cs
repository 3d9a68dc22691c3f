using System.Text;
using System.Text.Json;
using Vmm.Core.Machine;
using Vmm.Guests;
using Vmm.HyperV.Cpuid;
using Vmm.Kvm;

namespace Vmm.Host.Tests;

/// <summary>The Hyper-V surface exercised from inside real guests on KVM, composed exactly as `vmm run` does it.</summary>
[Collection("vmm-cli")]
public sealed class HyperVGuestTests
{
    [Theory]
    [InlineData("linux", 1)]
    [InlineData("linux", 2)]
    [InlineData("linux", 4)]
    [InlineData("linux", 8)]
    [InlineData("windows", 2)]
    [InlineData("linux,+time,+frequencies,+reset,+idle", 2)]
    [InlineData("none", 2)]
    public void HvProbePassesEveryCheckOnEveryVcpu(string hv, int cpus)
    {
        (MachineExit exit, string serial) = Run(new HvProbeGuest(), cpus, hv);
        Assert.True(exit.Passed, $"{exit}\n{serial}");
        int checks = HvProbeGuest.CheckNames(HyperVFeatureProfile.Parse(hv), cpus).Count;
        Assert.Contains($"hvprobe: all {checks} checks passed on {cpus} vCPUs", serial, StringComparison.Ordinal);
    }

    [Fact]
    public void HundredThousandGarbageHypercallsAreEachAnsweredWithAStatus()
    {
        int calls = (int)KvmTestSupport.Scaled(100_000, 5_000);
        using var trace = new MemoryStream();
        (MachineExit exit, string serial) = Run(new HypercallFuzzGuest(), 1, "linux,+tlbflush-ex,+ipi", trace, new() { ["calls"] = calls.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        Assert.True(exit.Passed, $"{exit}\n{serial}");

        // One trace line per exit into the dispatcher: a call ends with a status, with #UD, or is continued and
        // re-executed. Every call the guest made must have ended with a status exactly once.
        int ended = 0;
        foreach (string line in Encoding.UTF8.GetString(trace.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var record = JsonDocument.Parse(line);
            JsonElement root = record.RootElement;
            if (root.GetProperty("continued").GetBoolean())
            {
                continue;
            }

            Assert.False(root.GetProperty("ud").GetBoolean(), line);
            Assert.Equal(JsonValueKind.Number, root.GetProperty("statusCode").ValueKind);
            ended++;
        }

        Assert.Equal(calls, ended);
    }

    [Fact]
    public void HypercallTraceRecordsEachErrorClassWithItsStatus()
    {
        using var trace = new MemoryStream();
        (MachineExit exit, _) = Run(new HvProbeGuest(), 1, "linux", trace);
        Assert.True(exit.Passed, exit.ToString());
        string text = Encoding.UTF8.GetString(trace.ToArray());
        Assert.Contains("\"name\":\"HvCallNotifyLongSpinWait\",\"fast\":true", text, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"HV_STATUS_INVALID_HYPERCALL_CODE\"", text, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"HV_STATUS_INVALID_HYPERCALL_INPUT\"", text, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"HV_STATUS_INVALID_ALIGNMENT\"", text, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"HV_STATUS_INVALID_PARAMETER\"", text, StringComparison.Ordinal);
        Assert.Contains("\"ud\":true", text, StringComparison.Ordinal);
    }

    private static (MachineExit Exit, string Serial) Run(IBuiltInGuest guest, int cpus, string hv, Stream? trace = null, Dictionary<string, string>? arguments = null)
    {
        (MachineExit exit, string serial, _) = KvmTestSupport.RunGuest(
            guest, cpus, hv, arguments ?? [], vpIndices: null, TimeSpan.FromMinutes(5), config => config with { HypercallTrace = trace });
        return (exit, serial);
    }
}

using System.Text;
using System.Text.RegularExpressions;
using Vmm.Core.Machine;
using Vmm.Guests;
using Vmm.Host.Tracing;
using Vmm.HyperV.Hypercalls;

namespace Vmm.Host.Tests.Tracing;

/// <summary>A built-in guest run on KVM with its hypercalls traced, as `vmm run --trace-hypercalls` records them.</summary>
internal sealed record TracedRun(MachineExit Exit, string Serial, string Trace, HypercallTraceStatistics Statistics)
{
    /// <summary>Runs <paramref name="guestName"/> with tracing; skips the calling test without /dev/kvm.</summary>
    public static TracedRun Record(string guestName, int cpus, string hv, Dictionary<string, string> arguments, long maxBytes = long.MaxValue)
    {
        Assert.True(BuiltInGuests.TryGet(guestName, out IBuiltInGuest guest));
        using var trace = new MemoryStream();
        HypercallTraceStatistics statistics = default;
        (MachineExit exit, string serial, _) = KvmTestSupport.RunGuest(
            guest, cpus, hv, arguments, vpIndices: null, TimeSpan.FromSeconds(120),
            config => config with { HypercallTrace = trace, HypercallTraceMaxSize = maxBytes, HypercallTraceReport = s => statistics = s });
        Assert.True(exit.Reason == MachineExitReason.GuestExit && exit.Status == 0, $"{exit}\n{serial}");
        return new TracedRun(exit, serial, Encoding.UTF8.GetString(trace.ToArray()), statistics);
    }

    /// <summary>The trace, read back.</summary>
    public TraceReadResult Read() => HypercallTraceReader.Read(new StringReader(Trace));

    /// <summary>The number the first group of <paramref name="pattern"/> captures in the serial output.</summary>
    public long SerialCount(string pattern) => KvmTestSupport.Count(new Regex(pattern), Serial);
}

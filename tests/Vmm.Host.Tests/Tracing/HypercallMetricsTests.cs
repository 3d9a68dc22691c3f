using System.Diagnostics.Metrics;
using Vmm.Guests;
using Vmm.HyperV.Hypercalls;

namespace Vmm.Host.Tests.Tracing;

/// <summary>The "Vmm.Hypercalls" meter read in-process while a VM runs (what `dotnet-counters monitor` shows).</summary>
[Collection(MeterCollection.Name)]
public sealed class HypercallMetricsTests
{
    [Fact]
    public void MeterListenerCountsEveryCallByNameAndStatusDuringARun()
    {
        const int Alpha = 70;
        const int Beta = 30;
        var calls = new Dictionary<(string, string), long>();
        long durations = 0;
        long seenWhileRunning = 0;
        bool running = false;
        var sync = new Lock();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == HypercallMetrics.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string name = string.Empty, status = string.Empty;
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                name = tag.Key == HypercallMetrics.NameTag ? (string)tag.Value! : name;
                status = tag.Key == HypercallMetrics.StatusTag ? (string)tag.Value! : status;
            }

            lock (sync)
            {
                calls[(name, status)] = calls.GetValueOrDefault((name, status)) + value;
                seenWhileRunning += Volatile.Read(ref running) ? 1 : 0;
            }
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            Assert.Equal(HypercallMetrics.DurationName, instrument.Name);
            Assert.True(value >= 0);
            Interlocked.Increment(ref durations);
        });
        listener.Start();

        Volatile.Write(ref running, true);
        (var exit, string serial, _) = KvmTestSupport.RunGuest(
            new HypercallCallersGuest(), 1, "linux", new() { ["alpha"] = $"{Alpha}", ["beta"] = $"{Beta}" }, null, TimeSpan.FromSeconds(60));
        Volatile.Write(ref running, false);
        Assert.True(exit.Status == 0, serial);

        // Untraced run: the meter alone, every call counted once, by name and status, as it happened.
        Assert.Equal(Alpha + Beta, calls.GetValueOrDefault(("HvCallNotifyLongSpinWait", "HV_STATUS_SUCCESS")));
        Assert.Single(calls);
        Assert.Equal(Alpha + Beta, Interlocked.Read(ref durations));
        Assert.Equal(Alpha + Beta, seenWhileRunning);

        // Negative control: once the listener stops, a run adds nothing.
        listener.Dispose();
        KvmTestSupport.RunGuest(new HypercallCallersGuest(), 1, "linux", new() { ["alpha"] = "5", ["beta"] = "5" }, null, TimeSpan.FromSeconds(60));
        Assert.Equal(Alpha + Beta, calls.Values.Sum());
    }
}

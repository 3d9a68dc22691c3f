using Vmm.Core.Diagnostics;

namespace Vmm.Core.Tests.Diagnostics;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void AnEmptyHistogramReportsZero()
    {
        var h = new LatencyHistogram();
        Assert.Equal(TimeSpan.Zero, h.Percentile(50));
        Assert.Equal(0, h.Count);
    }

    [Theory]
    [InlineData(50.0)]
    [InlineData(90.0)]
    [InlineData(99.0)]
    public void PercentilesAreWithinOneSixteenthOfTheExactValue(double p)
    {
        var h = new LatencyHistogram();
        var random = new Random(7);
        long[] samples = Enumerable.Range(0, 100_000).Select(_ => (long)(Math.Exp(random.NextDouble() * 16) * 100)).ToArray();
        foreach (long s in samples)
        {
            h.Record(s);
        }

        Array.Sort(samples);
        double exact = samples[(int)Math.Ceiling(samples.Length * p / 100.0) - 1];
        double reported = h.Percentile(p).Ticks * 100.0;
        Assert.InRange(reported, exact, exact * (1 + (1.0 / 16)) + 100);
        Assert.Equal(samples[^1] / 100, h.Max.Ticks);
    }

    [Fact]
    public void RecordingAllocatesNothing()
    {
        var h = new LatencyHistogram();
        h.Record(1);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            h.Record(i * 37);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}

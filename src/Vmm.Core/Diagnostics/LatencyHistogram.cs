using System.Diagnostics;

namespace Vmm.Core.Diagnostics;

/// <summary>
/// A lock-free, allocation-free latency histogram with log-linear buckets (16 sub-buckets per power of two of
/// nanoseconds, so any percentile is within 1/16 ≈ 6 % of the true value), for p50/p99 summaries of hot paths.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBucketBits = 4;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int Powers = 48;

    private readonly long[] _counts = new long[Powers * SubBuckets];
    private long _total;
    private long _max;

    /// <summary>Samples recorded.</summary>
    public long Count => Interlocked.Read(ref _total);

    /// <summary>The largest sample.</summary>
    public TimeSpan Max => TimeSpan.FromTicks(Interlocked.Read(ref _max) / 100);

    /// <summary>Records one duration given in Stopwatch ticks.</summary>
    public void RecordStopwatchTicks(long ticks)
    {
        long nanoseconds = (long)(ticks * (1_000_000_000.0 / Stopwatch.Frequency));
        Record(nanoseconds);
    }

    /// <summary>Records one duration in nanoseconds.</summary>
    public void Record(long nanoseconds)
    {
        nanoseconds = Math.Max(nanoseconds, 0);
        Interlocked.Increment(ref _counts[BucketOf(nanoseconds)]);
        Interlocked.Increment(ref _total);
        long max;
        while (nanoseconds > (max = Interlocked.Read(ref _max)) && Interlocked.CompareExchange(ref _max, nanoseconds, max) != max)
        {
        }
    }

    /// <summary>The value at percentile <paramref name="p"/> (0-100), as the upper bound of its bucket.</summary>
    public TimeSpan Percentile(double p)
    {
        long total = Count;
        if (total == 0)
        {
            return TimeSpan.Zero;
        }

        long rank = Math.Max(1, (long)Math.Ceiling(total * p / 100.0));
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += Interlocked.Read(ref _counts[i]);
            if (seen >= rank)
            {
                return TimeSpan.FromTicks(Math.Min(UpperBoundOf(i), Interlocked.Read(ref _max)) / 100);
            }
        }

        return Max;
    }

    private static int BucketOf(long nanoseconds)
    {
        if (nanoseconds < SubBuckets)
        {
            return (int)nanoseconds;
        }

        int power = 63 - (int)long.LeadingZeroCount(nanoseconds);          // ≥ SubBucketBits
        int sub = (int)((nanoseconds >> (power - SubBucketBits)) & (SubBuckets - 1));
        int index = ((power - SubBucketBits + 1) * SubBuckets) + sub;
        return Math.Min(index, (Powers * SubBuckets) - 1);
    }

    private static long UpperBoundOf(int index)
    {
        if (index < SubBuckets)
        {
            return index;
        }

        int power = (index / SubBuckets) + SubBucketBits - 1;
        long sub = index % SubBuckets;
        return ((SubBuckets + sub + 1) << (power - SubBucketBits)) - 1;
    }
}

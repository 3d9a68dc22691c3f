using System.Diagnostics;

namespace Vmm.Core.Diagnostics;

/// <summary>
/// Lets at most <c>burst</c> events through per interval, so a guest cannot flood the log (a guest can trigger
/// unclaimed-port and bad-hypercall messages at will). Thread-safe and allocation-free.
/// </summary>
public sealed class RateLimiter
{
    private readonly long _intervalTicks;
    private readonly int _burst;
    private long _windowStart;
    private int _inWindow;
    private long _suppressed;

    /// <summary>Creates a limiter that passes <paramref name="burst"/> events per <paramref name="interval"/>.</summary>
    public RateLimiter(int burst, TimeSpan interval)
    {
        _burst = burst;
        _intervalTicks = (long)(interval.TotalSeconds * Stopwatch.Frequency);
        _windowStart = Stopwatch.GetTimestamp();
    }

    /// <summary>Events refused so far.</summary>
    public long Suppressed => Interlocked.Read(ref _suppressed);

    /// <summary>True if this event may be logged.</summary>
    public bool TryAcquire()
    {
        long now = Stopwatch.GetTimestamp();
        long start = Interlocked.Read(ref _windowStart);
        if (now - start >= _intervalTicks && Interlocked.CompareExchange(ref _windowStart, now, start) == start)
        {
            Interlocked.Exchange(ref _inWindow, 0);
        }

        if (Interlocked.Increment(ref _inWindow) <= _burst)
        {
            return true;
        }

        Interlocked.Increment(ref _suppressed);
        return false;
    }
}

using System.Diagnostics;

namespace Vmm.Core.Devices.Legacy;

/// <summary>
/// Counts OUTs to offset 0 and timestamps the first and the latest, so `vmm bench exits` measures the exit
/// round trip exactly as tools/kvm-exit-ref does: (t_last − t_first) / (count − 1).
/// </summary>
/// <remarks>Written by one vCPU at a time in the benchmark; the fields are read after the VM stops.</remarks>
public sealed class BenchCounterDevice : IBusDevice
{
    private long _count;
    private long _firstTimestamp;
    private long _lastTimestamp;

    /// <summary>The window size on the port bus.</summary>
    public const int WindowSize = 4;

    /// <summary>OUTs counted.</summary>
    public long Count => Volatile.Read(ref _count);

    /// <summary>Stopwatch timestamp of the first counted OUT.</summary>
    public long FirstTimestamp => _firstTimestamp;

    /// <summary>Stopwatch timestamp of the latest counted OUT.</summary>
    public long LastTimestamp => _lastTimestamp;

    /// <summary>Mean microseconds between consecutive counted OUTs, or NaN with fewer than two.</summary>
    public double MicrosecondsPerExit =>
        Count < 2 ? double.NaN : Stopwatch.GetElapsedTime(_firstTimestamp, _lastTimestamp).TotalMicroseconds / (Count - 1);

    /// <inheritdoc />
    public void Read(ulong offset, Span<byte> data) => data.Fill(0xFF);

    /// <inheritdoc />
    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        if (offset != 0)
        {
            return;
        }

        long now = Stopwatch.GetTimestamp();
        if (_count == 0)
        {
            _firstTimestamp = now;
        }

        _lastTimestamp = now;
        Volatile.Write(ref _count, _count + 1);
    }
}

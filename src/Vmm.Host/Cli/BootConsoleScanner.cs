using System.Text;

namespace Vmm.Host.Cli;

/// <summary>
/// Reads a guest console as it arrives (bytes, in chunks of any size) and records when the <see cref="BootMarker"/>
/// line was complete: the chunk that brought its line feed is the moment the host saw the guest reach /init. Keeps
/// the last lines for a failure report. Thread-safe: one writer, any number of readers.
/// </summary>
internal sealed class BootConsoleScanner
{
    private const int MaxLineBytes = 4096;
    private const int KeptLines = 8;

    private readonly object _gate = new();
    private readonly List<byte> _line = [];
    private readonly Queue<string> _tail = new();
    private readonly List<string>? _all;
    private long _bytes;

    /// <summary>A scanner that keeps the last lines, or with <paramref name="keepAllLines"/> every line (a guest's report to parse).</summary>
    public BootConsoleScanner(bool keepAllLines = false) => _all = keepAllLines ? [] : null;

    /// <summary>Every non-empty line so far, trimmed (empty unless made with keepAllLines).</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return _all is null ? [] : [.. _all];
            }
        }
    }

    /// <summary>The <see cref="System.Diagnostics.Stopwatch"/> timestamp of the chunk that completed the marker line, or null.</summary>
    public long? MarkerTimestamp { get; private set; }

    /// <summary>CPUs the marker reported (0 before it).</summary>
    public int Cpus { get; private set; }

    /// <summary>The guest kernel's uptime in the marker, in seconds, or null.</summary>
    public double? GuestUptimeSeconds { get; private set; }

    /// <summary>Console bytes seen.</summary>
    public long Bytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

    /// <summary>Takes the next console bytes, received at <paramref name="timestamp"/>.</summary>
    public void Feed(ReadOnlySpan<byte> data, long timestamp)
    {
        lock (_gate)
        {
            _bytes += data.Length;
            foreach (byte b in data)
            {
                if (b == (byte)'\n')
                {
                    EndLine(timestamp);
                }
                else if (b != (byte)'\r' && _line.Count < MaxLineBytes)
                {
                    _line.Add(b);
                }
            }
        }
    }

    /// <summary>The console ended: a last line without a line feed still counts.</summary>
    public void Complete(long timestamp)
    {
        lock (_gate)
        {
            if (_line.Count > 0)
            {
                EndLine(timestamp);
            }
        }
    }

    /// <summary>The last lines of the console, joined with " | ", for a failure report.</summary>
    public string Tail()
    {
        lock (_gate)
        {
            return _tail.Count == 0 ? "(no console output)" : string.Join(" | ", _tail);
        }
    }

    private void EndLine(long timestamp)
    {
        string text = Encoding.UTF8.GetString(_line.ToArray()).Trim();
        _line.Clear();
        if (text.Length == 0)
        {
            return;
        }

        _all?.Add(text);
        _tail.Enqueue(text);
        if (_tail.Count > KeptLines)
        {
            _tail.Dequeue();
        }

        if (MarkerTimestamp is null && BootMarker.TryParse(text, out int cpus, out double? uptime))
        {
            MarkerTimestamp = timestamp;
            Cpus = cpus;
            GuestUptimeSeconds = uptime;
        }
    }
}

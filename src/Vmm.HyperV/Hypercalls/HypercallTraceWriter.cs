using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Vmm.HyperV.Hypercalls;

/// <summary>
/// Writes each hypercall as one JSON object per line (JSON Lines) to a stream, from a writer thread of its own: a
/// vCPU only copies its record into a bounded in-memory queue, so it never waits for the disk.
/// </summary>
/// <remarks>
/// <para>Fields, in this order:</para>
/// <code>
/// time           string  ISO 8601 UTC time the call reached the dispatcher
/// vcpu           number  calling vCPU index
/// code           number  call code (bits 15:0 of RCX)
/// name           string  TLFS call name, or "HvCall0xNNNN" for an unknown code
/// fast           bool    register-based call
/// xmm            bool    XMM registers carried input or output
/// rep            bool    rep call
/// varHeader      number  variable header size, QWORDs
/// repStart       number  rep start index the guest passed
/// repCount       number  rep count the guest passed
/// status         string  TLFS status name ("HV_STATUS_SUCCESS"); null after #UD
/// statusCode     number  HV_STATUS value; null after #UD
/// repsCompleted  number  reps completed (for a continued call: the next rep start index); null after #UD
/// durationUs     number  microseconds spent in the dispatcher
/// rip            string  guest RIP of the call instruction, "0x" + 16 hex digits (a JSON number would lose bits)
/// continued      bool    the call was left to be continued (RIP not advanced, RCX rep start updated)
/// ud             bool    the call raised #UD
/// </code>
/// <para>Only when the trace reads callers (see <see cref="HypercallCallerState"/>):</para>
/// <code>
/// callerState    string  "read", "registers-unavailable", "stack-unreadable" or "code-unreadable"
/// caller         string  return address on the guest stack, "0x" + 16 hex digits; absent unless read
/// callSite       string  hex of the code bytes that end at the caller (the call instruction is the last); absent unless read
/// </code>
/// <para>Only for calls whose target set was read (flush and IPI calls):</para>
/// <code>
/// shape          string  "mask", "sparse" or "all"
/// targets        number  vCPUs the set resolved to
/// banks          number  sparse HV_VP_SET banks passed
/// ranges         number  GVA ranges the list call asked for in this invocation (absent for space and IPI calls)
/// </code>
/// <para>Only for calls the flush engine served:</para>
/// <code>
/// flushAll       bool    the engine flushed everything (always true: every flush is a full flush)
/// strategy       string  flush strategy: "kick", "memslot"
/// flushUs        number  microseconds in the engine: queueing, kicking and waiting for the targets
/// kicked         number  targets kicked and awaited
/// </code>
/// <para>
/// Bounded: a record that finds the queue full, or that would take the file past its size limit, is dropped and
/// counted (<see cref="Statistics"/>). Thread-safe. <see cref="Dispose"/> writes what is queued, flushes and (unless
/// <c>leaveOpen</c>) closes the stream; records arriving after that are dropped.
/// </para>
/// </remarks>
public sealed class HypercallTraceWriter : IHypercallTracer, IDisposable
{
    /// <summary>Records the queue holds before it drops (about 2 MiB of records, twice: one filling, one writing).</summary>
    public const int DefaultQueueCapacity = 16_384;

    // The writer thread looks for records this often; a vCPU never signals it, so queueing is a copy under a lock.
    private static readonly TimeSpan s_drainInterval = TimeSpan.FromMilliseconds(10);

    private static readonly JsonEncodedText s_time = JsonEncodedText.Encode("time");
    private static readonly JsonEncodedText s_vcpu = JsonEncodedText.Encode("vcpu");
    private static readonly JsonEncodedText s_code = JsonEncodedText.Encode("code");
    private static readonly JsonEncodedText s_name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText s_fast = JsonEncodedText.Encode("fast");
    private static readonly JsonEncodedText s_xmm = JsonEncodedText.Encode("xmm");
    private static readonly JsonEncodedText s_rep = JsonEncodedText.Encode("rep");
    private static readonly JsonEncodedText s_varHeader = JsonEncodedText.Encode("varHeader");
    private static readonly JsonEncodedText s_repStart = JsonEncodedText.Encode("repStart");
    private static readonly JsonEncodedText s_repCount = JsonEncodedText.Encode("repCount");
    private static readonly JsonEncodedText s_status = JsonEncodedText.Encode("status");
    private static readonly JsonEncodedText s_statusCode = JsonEncodedText.Encode("statusCode");
    private static readonly JsonEncodedText s_repsCompleted = JsonEncodedText.Encode("repsCompleted");
    private static readonly JsonEncodedText s_durationUs = JsonEncodedText.Encode("durationUs");
    private static readonly JsonEncodedText s_rip = JsonEncodedText.Encode("rip");
    private static readonly JsonEncodedText s_continued = JsonEncodedText.Encode("continued");
    private static readonly JsonEncodedText s_ud = JsonEncodedText.Encode("ud");
    private static readonly JsonEncodedText s_callerState = JsonEncodedText.Encode("callerState");
    private static readonly JsonEncodedText s_caller = JsonEncodedText.Encode("caller");
    private static readonly JsonEncodedText s_callSite = JsonEncodedText.Encode("callSite");
    private static readonly JsonEncodedText s_shape = JsonEncodedText.Encode("shape");
    private static readonly JsonEncodedText s_targets = JsonEncodedText.Encode("targets");
    private static readonly JsonEncodedText s_banks = JsonEncodedText.Encode("banks");
    private static readonly JsonEncodedText s_ranges = JsonEncodedText.Encode("ranges");
    private static readonly JsonEncodedText s_flushAll = JsonEncodedText.Encode("flushAll");
    private static readonly JsonEncodedText s_strategy = JsonEncodedText.Encode("strategy");
    private static readonly JsonEncodedText s_flushUs = JsonEncodedText.Encode("flushUs");
    private static readonly JsonEncodedText s_kicked = JsonEncodedText.Encode("kicked");

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly long _maxBytes;
    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private readonly Utf8JsonWriter _json;
    private readonly Lock _queueLock = new();
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _stop = new();
    private HypercallTraceRecord[] _filling;
    private HypercallTraceRecord[] _draining;
    private int _filled;
    private bool _closed;
    private long _droppedQueueFull;
    private long _droppedSizeLimit;
    private long _written;
    private long _writtenBytes;
    private int _disposed;

    /// <summary>Creates a writer over <paramref name="stream"/>, which it owns unless <paramref name="leaveOpen"/>.</summary>
    /// <param name="stream">Where the lines go.</param>
    /// <param name="leaveOpen">Leave the stream open on <see cref="Dispose"/>.</param>
    /// <param name="maxBytes">The most bytes written; a record that would pass it is dropped (and so is every later one that would).</param>
    /// <param name="queueCapacity">Records queued before new ones are dropped.</param>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not writable.</exception>
    public HypercallTraceWriter(Stream stream, bool leaveOpen = false, long maxBytes = long.MaxValue, int queueCapacity = DefaultQueueCapacity)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(queueCapacity, 1);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("The hypercall trace stream must be writable.", nameof(stream));
        }

        _stream = stream;
        _leaveOpen = leaveOpen;
        _maxBytes = maxBytes;
        _json = new Utf8JsonWriter(_buffer);
        _filling = new HypercallTraceRecord[queueCapacity];
        _draining = new HypercallTraceRecord[queueCapacity];
        _thread = new Thread(WriteLoop) { IsBackground = true, Name = "vmm hypercall trace" };
        _thread.Start();
    }

    /// <summary>What was written and dropped so far (final after <see cref="Dispose"/>).</summary>
    public HypercallTraceStatistics Statistics => new(
        Interlocked.Read(ref _written),
        Interlocked.Read(ref _writtenBytes),
        Interlocked.Read(ref _droppedQueueFull),
        Interlocked.Read(ref _droppedSizeLimit));

    /// <summary>Queues <paramref name="record"/>; drops it (and counts it) when the queue is full.</summary>
    public void OnHypercall(in HypercallTraceRecord record)
    {
        lock (_queueLock)
        {
            if (_closed)
            {
                return;
            }

            if (_filled == _filling.Length)
            {
                _droppedQueueFull++;
                return;
            }

            _filling[_filled++] = record;
        }
    }

    /// <summary>Writes what is queued and flushes the lines written so far to the stream's destination.</summary>
    public void Flush()
    {
        lock (_stream)
        {
            if (Volatile.Read(ref _disposed) == 0)
            {
                Drain();
            }
        }
    }

    /// <summary>Writes what is queued, flushes the stream, and closes it unless the writer was created with <c>leaveOpen</c>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        lock (_queueLock)
        {
            _closed = true;
        }

        _stop.Set();
        _thread.Join();
        lock (_stream)
        {
            Drain();
            _json.Dispose();
            if (!_leaveOpen)
            {
                _stream.Dispose();
            }
        }

        _stop.Dispose();
    }

    private void WriteLoop()
    {
        while (!_stop.Wait(s_drainInterval))
        {
            lock (_stream)
            {
                Drain();
            }
        }
    }

    // Under the stream lock: swaps the queues, so vCPUs keep queueing while the full one is written.
    private void Drain()
    {
        int count;
        lock (_queueLock)
        {
            (_filling, _draining) = (_draining, _filling);
            count = _filled;
            _filled = 0;
        }

        if (count == 0)
        {
            return;
        }

        for (int i = 0; i < count; i++)
        {
            _buffer.ResetWrittenCount();
            _json.Reset(_buffer);
            WriteObject(_json, in _draining[i]);
            _json.Flush();
            _buffer.GetSpan(1)[0] = (byte)'\n';
            _buffer.Advance(1);
            if (_writtenBytes + _buffer.WrittenCount > _maxBytes)
            {
                Interlocked.Increment(ref _droppedSizeLimit);
                continue;
            }

            _stream.Write(_buffer.WrittenSpan);
            Interlocked.Add(ref _writtenBytes, _buffer.WrittenCount);
            Interlocked.Increment(ref _written);
        }

        Array.Clear(_draining, 0, count); // drop the strings the records hold
        _stream.Flush(); // a reader following the file sees whole lines soon after the calls
    }

    private static void WriteObject(Utf8JsonWriter json, in HypercallTraceRecord record)
    {
        bool ud = record.Ending == HypercallEnding.InvalidOpcode;
        json.WriteStartObject();
        json.WriteString(s_time, DateTime.SpecifyKind(record.Timestamp, DateTimeKind.Utc));
        json.WriteNumber(s_vcpu, record.ProcessorIndex);
        json.WriteNumber(s_code, (ushort)record.CallCode);
        json.WriteString(s_name, record.Name);
        json.WriteBoolean(s_fast, record.IsFast);
        json.WriteBoolean(s_xmm, record.UsesXmm);
        json.WriteBoolean(s_rep, record.IsRep);
        json.WriteNumber(s_varHeader, record.VariableHeaderSize);
        json.WriteNumber(s_repStart, record.RepStartIndex);
        json.WriteNumber(s_repCount, record.RepCount);
        if (ud)
        {
            json.WriteNull(s_status);
            json.WriteNull(s_statusCode);
            json.WriteNull(s_repsCompleted);
        }
        else
        {
            json.WriteString(s_status, HvStatusNames.TlfsName(record.Status));
            json.WriteNumber(s_statusCode, (ushort)record.Status);
            json.WriteNumber(s_repsCompleted, record.RepsCompleted);
        }

        json.WriteNumber(s_durationUs, Math.Round(record.DurationMicroseconds, 3));
        WriteAddress(json, s_rip, record.InstructionPointer);
        json.WriteBoolean(s_continued, record.IsContinued);
        json.WriteBoolean(s_ud, ud);
        if (record.CallerState != HypercallCallerState.NotRead)
        {
            WriteCaller(json, in record);
        }

        if (record.TargetShape != HypercallTargetShape.None)
        {
            json.WriteString(s_shape, ShapeName(record.TargetShape));
            json.WriteNumber(s_targets, record.TargetCount);
            json.WriteNumber(s_banks, record.BankCount);
            if (record.RangeCount >= 0)
            {
                json.WriteNumber(s_ranges, record.RangeCount);
            }
        }

        if (record.FlushStrategy is not null)
        {
            json.WriteBoolean(s_flushAll, record.FlushAll);
            json.WriteString(s_strategy, record.FlushStrategy);
            json.WriteNumber(s_flushUs, Math.Round(record.FlushMicroseconds, 3));
            json.WriteNumber(s_kicked, record.Kicked);
        }

        json.WriteEndObject();
    }

    /// <summary>The trace's name of a caller state: "read", "registers-unavailable", ...</summary>
    public static string CallerStateName(HypercallCallerState state) => state switch
    {
        HypercallCallerState.Read => "read",
        HypercallCallerState.RegistersUnavailable => "registers-unavailable",
        HypercallCallerState.StackUnreadable => "stack-unreadable",
        HypercallCallerState.CodeUnreadable => "code-unreadable",
        _ => "not-read",
    };

    /// <summary>The trace's name of a target shape: "mask", "sparse", "all" (or "none").</summary>
    public static string ShapeName(HypercallTargetShape shape) => shape switch
    {
        HypercallTargetShape.Mask => "mask",
        HypercallTargetShape.Sparse => "sparse",
        HypercallTargetShape.All => "all",
        _ => "none",
    };

    private static void WriteCaller(Utf8JsonWriter json, in HypercallTraceRecord record)
    {
        json.WriteString(s_callerState, CallerStateName(record.CallerState));
        if (record.CallerState is HypercallCallerState.Read or HypercallCallerState.CodeUnreadable)
        {
            WriteAddress(json, s_caller, record.ReturnAddress);
        }

        if (record.CallSiteLength > 0)
        {
            HypercallCallSite site = record.CallSite;
            ReadOnlySpan<byte> bytes = site;
            json.WriteString(s_callSite, Convert.ToHexStringLower(bytes[..record.CallSiteLength]));
        }
    }

    private static void WriteAddress(Utf8JsonWriter json, JsonEncodedText name, ulong address)
    {
        Span<char> text = stackalloc char[18];
        text[0] = '0';
        text[1] = 'x';
        address.TryFormat(text[2..], out _, "X16", CultureInfo.InvariantCulture);
        json.WriteString(name, text);
    }
}

using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Vmm.HyperV.Hypercalls;

/// <summary>
/// Writes each hypercall as one JSON object per line (JSON Lines) to a stream: the hypercall trace of
/// architecture.md §6.
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
/// <para>
/// Thread-safe: records from several vCPUs are serialized under a lock, each written as one whole line. The stream
/// is flushed (and, unless <c>leaveOpen</c>, closed) on <see cref="Dispose"/>; records arriving after that are dropped.
/// </para>
/// </remarks>
public sealed class HypercallTraceWriter : IHypercallTracer, IDisposable
{
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

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private readonly Utf8JsonWriter _json;
    private readonly Lock _lock = new();
    private bool _disposed;

    /// <summary>Creates a writer over <paramref name="stream"/>, which it owns unless <paramref name="leaveOpen"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not writable.</exception>
    public HypercallTraceWriter(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("The hypercall trace stream must be writable.", nameof(stream));
        }

        _stream = stream;
        _leaveOpen = leaveOpen;
        _json = new Utf8JsonWriter(_buffer);
    }

    /// <summary>Writes <paramref name="record"/> as one line.</summary>
    public void OnHypercall(in HypercallTraceRecord record)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _buffer.ResetWrittenCount();
            _json.Reset(_buffer);
            WriteObject(_json, in record);
            _json.Flush();
            _buffer.GetSpan(1)[0] = (byte)'\n';
            _buffer.Advance(1);
            _stream.Write(_buffer.WrittenSpan);
        }
    }

    /// <summary>Flushes the lines written so far to the stream's destination.</summary>
    public void Flush()
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                _stream.Flush();
            }
        }
    }

    /// <summary>Flushes the stream, and closes it unless the writer was created with <c>leaveOpen</c>.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _json.Dispose();
            _stream.Flush();
            if (!_leaveOpen)
            {
                _stream.Dispose();
            }
        }
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
        Span<char> rip = stackalloc char[18];
        rip[0] = '0';
        rip[1] = 'x';
        record.InstructionPointer.TryFormat(rip[2..], out _, "X16", CultureInfo.InvariantCulture);
        json.WriteString(s_rip, rip);
        json.WriteBoolean(s_continued, record.IsContinued);
        json.WriteBoolean(s_ud, ud);
        json.WriteEndObject();
    }
}

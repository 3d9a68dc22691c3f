using System.Globalization;
using System.Text.Json;

namespace Vmm.Host.Tracing;

/// <summary>
/// Reads a hypercall trace (JSON Lines): every well-formed line becomes an entry, every other line an error naming
/// its line number, and reading goes on (a trace cut short by a crash still shows everything before the cut).
/// </summary>
public static class HypercallTraceReader
{
    /// <summary>Reads every line of <paramref name="reader"/>.</summary>
    public static TraceReadResult Read(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var entries = new List<HypercallTraceEntry>();
        var errors = new List<TraceLineError>();
        long number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            Parse(line, number, entries, errors);
        }

        return new TraceReadResult(entries, errors);
    }

    /// <summary>Reads the trace file at <paramref name="path"/> (it may still be growing).</summary>
    public static TraceReadResult ReadFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return Read(reader);
    }

    /// <summary>Parses one line; a blank line is skipped, anything else adds an entry or an error.</summary>
    public static void Parse(string line, long number, List<HypercallTraceEntry> entries, List<TraceLineError> errors)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        try
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            entries.Add(ToEntry(doc.RootElement, number));
        }
        catch (JsonException e)
        {
            errors.Add(new TraceLineError(number, $"not a JSON object: {e.Message}"));
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or KeyNotFoundException or OverflowException)
        {
            errors.Add(new TraceLineError(number, e.Message));
        }
    }

    private static HypercallTraceEntry ToEntry(JsonElement o, long number)
    {
        if (o.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("not a JSON object");
        }

        return new HypercallTraceEntry
        {
            Line = number,
            Time = Required(o, "time").GetDateTime().ToUniversalTime(),
            Vcpu = Required(o, "vcpu").GetInt32(),
            Code = Required(o, "code").GetInt32(),
            Name = Required(o, "name").GetString() ?? string.Empty,
            Fast = Required(o, "fast").GetBoolean(),
            Xmm = Optional(o, "xmm")?.GetBoolean() ?? false,
            Rep = Optional(o, "rep")?.GetBoolean() ?? false,
            RepCount = Optional(o, "repCount")?.GetInt32() ?? 0,
            Status = Optional(o, "status")?.GetString(),
            StatusCode = Optional(o, "statusCode")?.GetInt32(),
            RepsCompleted = Optional(o, "repsCompleted")?.GetInt32(),
            DurationUs = Required(o, "durationUs").GetDouble(),
            Rip = Address(Required(o, "rip")),
            Continued = Optional(o, "continued")?.GetBoolean() ?? false,
            Ud = Optional(o, "ud")?.GetBoolean() ?? false,
            CallerState = Optional(o, "callerState")?.GetString(),
            Caller = Optional(o, "caller") is { } caller ? Address(caller) : null,
            CallSite = Optional(o, "callSite")?.GetString() is { } hex ? Convert.FromHexString(hex) : null,
            Shape = Optional(o, "shape")?.GetString(),
            Targets = Optional(o, "targets")?.GetInt32(),
            Banks = Optional(o, "banks")?.GetInt32(),
            Ranges = Optional(o, "ranges")?.GetInt32(),
            FlushAll = Optional(o, "flushAll")?.GetBoolean(),
            Strategy = Optional(o, "strategy")?.GetString(),
            FlushUs = Optional(o, "flushUs")?.GetDouble(),
            Kicked = Optional(o, "kicked")?.GetInt32(),
        };
    }

    private static JsonElement Required(JsonElement o, string name) =>
        o.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw new FormatException($"field '{name}' is missing");

    private static JsonElement? Optional(JsonElement o, string name) =>
        o.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static ulong Address(JsonElement value)
    {
        string text = value.GetString() ?? throw new FormatException("an address is null");
        return text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong address)
            ? address
            : throw new FormatException($"'{text}' is not a 0x-prefixed hex address");
    }
}

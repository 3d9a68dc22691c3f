using System.Text.Json.Serialization;

namespace Vmm.Host.Cli;

/// <summary>
/// The JSON the `bench` commands print, serialized by source generation so that vmm runs compiled ahead of time
/// (Native AOT has no reflection-based serializer). A report is a dictionary of name to value; every type a value
/// can have at run time is listed here, since an <see cref="object"/> is serialized as its run-time type and a type
/// missing from this list fails at once (NotSupportedException) rather than printing something else.
/// </summary>
[JsonSerializable(typeof(Dictionary<string, object?>))]
[JsonSerializable(typeof(Dictionary<string, object?>[]))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(ulong))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(double[]))]
[JsonSerializable(typeof(int[]))]
[JsonSerializable(typeof(long[]))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class BenchJsonContext : JsonSerializerContext
{
    /// <summary>A bench report on one line.</summary>
    public static string Serialize(Dictionary<string, object?> report) =>
        System.Text.Json.JsonSerializer.Serialize(report, Default.DictionaryStringObject);
}

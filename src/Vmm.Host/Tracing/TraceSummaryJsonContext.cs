using System.Text.Json.Serialization;

namespace Vmm.Host.Tracing;

/// <summary>
/// `vmm trace --json`: the summary serialized by source generation (indented, camelCase, absent values left out),
/// so that it works in vmm compiled ahead of time, where no reflection-based serializer exists.
/// </summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HypercallTraceSummary))]
internal sealed partial class TraceSummaryJsonContext : JsonSerializerContext
{
}

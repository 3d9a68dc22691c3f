using System.Globalization;
using Vmm.HyperV.Cpuid;

namespace Vmm.Guests;

/// <summary>What a built-in guest is built for: vCPU count, memory, and `--guest-arg key=value` arguments.</summary>
public sealed class GuestBuildContext
{
    private readonly IReadOnlyDictionary<string, string> _arguments;

    /// <summary>Creates the context.</summary>
    public GuestBuildContext(int processorCount, ulong memorySize, IReadOnlyDictionary<string, string>? arguments = null, HyperVFeatureProfile? hyperV = null, IReadOnlyList<int>? vpIndices = null)
    {
        VpIndices = vpIndices ?? Enumerable.Range(0, processorCount).ToArray();
        ProcessorCount = processorCount;
        MemorySize = memorySize;
        _arguments = arguments ?? new Dictionary<string, string>();
        HyperV = hyperV ?? HyperVFeatureProfile.None;
    }

    /// <summary>The VP index of each vCPU (`--vp-index`; identity by default).</summary>
    public IReadOnlyList<int> VpIndices { get; }

    /// <summary>The Hyper-V enlightenments the VM advertises (`--hv`); probes check against it.</summary>
    public HyperVFeatureProfile HyperV { get; }

    /// <summary>vCPUs in the machine.</summary>
    public int ProcessorCount { get; }

    /// <summary>Bytes of RAM.</summary>
    public ulong MemorySize { get; }

    /// <summary>Names of the arguments given.</summary>
    public IEnumerable<string> ArgumentNames => _arguments.Keys;

    /// <summary>The text of argument <paramref name="name"/> as given.</summary>
    public string GetArgument(string name) => _arguments[name];

    /// <summary>A word argument that must be one of <paramref name="choices"/>, or <paramref name="defaultValue"/>.</summary>
    /// <exception cref="ArgumentException">The value is not one of <paramref name="choices"/>.</exception>
    public string GetChoice(string name, string defaultValue, params string[] choices)
    {
        ArgumentNullException.ThrowIfNull(choices);
        if (!_arguments.TryGetValue(name, out string? text))
        {
            return defaultValue;
        }

        string? match = choices.FirstOrDefault(c => string.Equals(c, text, StringComparison.OrdinalIgnoreCase));
        return match ?? throw new ArgumentException($"guest argument {name}={text} must be one of: {string.Join(", ", choices)}.");
    }

    /// <summary>An integer argument in [<paramref name="min"/>, <paramref name="max"/>], or <paramref name="defaultValue"/>.</summary>
    /// <exception cref="ArgumentException">The value is not an integer in range.</exception>
    public long GetInt64(string name, long defaultValue, long min, long max)
    {
        if (!_arguments.TryGetValue(name, out string? text))
        {
            return defaultValue;
        }

        if (!long.TryParse(text.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) || value < min || value > max)
        {
            throw new ArgumentException($"guest argument {name}={text} must be an integer from {min} to {max}.");
        }

        return value;
    }
}

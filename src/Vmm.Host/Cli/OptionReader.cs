using System.CommandLine;
using System.CommandLine.Parsing;

namespace Vmm.Host.Cli;

/// <summary>
/// Reads option values inside a command validator: reading converts the value (running the option's parser, which
/// records its own errors), and the reader remembers which options failed so cross-option checks skip them.
/// </summary>
internal sealed class OptionReader
{
    private readonly SymbolResult _result;
    private readonly HashSet<Option> _failed = [];

    public OptionReader(SymbolResult result) => _result = result;

    /// <summary>True when any option read so far has an error.</summary>
    public bool HasErrors => _failed.Count > 0;

    /// <summary>The option's value, or default when its parser refused it.</summary>
    public T? Get<T>(Option<T> option)
    {
        ArgumentNullException.ThrowIfNull(option);
        OptionResult? result = _result.GetResult(option);

        // Command validators run before System.CommandLine adds the defaults of options not given: read those here.
        if (result is null)
        {
            return option.HasDefaultValue ? (T?)option.GetDefaultValue() : default;
        }

        try
        {
            T? value = _result.GetValue(option);
            if (result.Errors.Any())
            {
                _failed.Add(option);
                return default;
            }

            return value;
        }
        catch (InvalidOperationException)
        {
            _failed.Add(option);
            return default;
        }
    }

    /// <summary>Whether the option was read and accepted.</summary>
    public bool Valid(Option option) => !_failed.Contains(option);

    /// <summary>Whether the user wrote the option (not just its default).</summary>
    public bool Given(Option option) => _result.GetResult(option) is { Implicit: false };

    /// <summary>The option as the user spelled it (e.g. -smp), or its name.</summary>
    public string Spelling(Option option)
    {
        ArgumentNullException.ThrowIfNull(option);
        return _result.GetResult(option)?.IdentifierToken?.Value ?? option.Name;
    }
}

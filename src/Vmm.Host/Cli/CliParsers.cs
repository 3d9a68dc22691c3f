using System.CommandLine.Parsing;
using System.Globalization;

namespace Vmm.Host.Cli;

/// <summary>
/// The value parsers the options plug into System.CommandLine (<c>Option&lt;T&gt;.CustomParser</c>): each reports a
/// mistake with <see cref="ArgumentResult.AddError"/>, naming the option as the user spelled it, so every mistake
/// of one command line is collected by the parser and reported together (see
/// https://learn.microsoft.com/dotnet/standard/commandline/parse-and-validate).
/// </summary>
internal static class CliParsers
{
    /// <summary>The longest `--timeout` accepted: 30 days (a longer limit is a typo, and TimeSpan has bounds).</summary>
    public const double MaxTimeoutSeconds = 30 * 24 * 3600;

    /// <summary>The option as the user wrote it (an alias such as -smp included), for messages.</summary>
    public static string NameOf(ArgumentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Parent is OptionResult option ? option.IdentifierToken?.Value ?? option.Option.Name : result.Argument.Name;
    }

    /// <summary>The single token of <paramref name="result"/>, trimmed (null when the option had no value).</summary>
    public static string? Token(ArgumentResult result) => result.Tokens.Count == 0 ? null : result.Tokens[^1].Value.Trim();

    /// <summary>A whole decimal number from <paramref name="min"/> to <paramref name="max"/>; <paramref name="hint"/> follows a range error.</summary>
    public static int ParseInt(ArgumentResult result, int min, int max, string? hint = null)
    {
        string? text = Token(result);
        if (text is null)
        {
            return min;
        }

        return TryParseInt(text, NameOf(result), min, max, hint, out int value, out string? error) ? value : Fail(result, error, min);
    }

    /// <summary>Parses one whole number in range, or says why not (overflow is a range error, not a crash).</summary>
    public static bool TryParseInt(string text, string name, int min, int max, string? hint, out int value, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        value = 0;
        error = null;
        string range = $"from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}";
        string trimmed = text.Trim();
        if (trimmed.Length == 0 || !trimmed.All(char.IsAsciiDigit))
        {
            error = $"{name} '{text}' is not a whole number {range}";
            return false;
        }

        // Digits only: anything int cannot hold is simply out of range.
        if (!int.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out value) || value < min || value > max)
        {
            error = $"{name} must be {range}, not {trimmed}{(hint is null ? string.Empty : "; " + hint)}";
            return false;
        }

        return true;
    }

    /// <summary>A comma-separated list of whole numbers in range (blanks around items ignored, no empty items, no repeats).</summary>
    public static int[] ParseIntList(ArgumentResult result, int min, int max)
    {
        string? text = Token(result);
        string name = NameOf(result);
        if (string.IsNullOrWhiteSpace(text))
        {
            return Fail<int[]>(result, $"{name} needs a comma-separated list of numbers from {min} to {max}", []);
        }

        var values = new List<int>();
        foreach (string item in text.Split(','))
        {
            if (!TryParseInt(item, name, min, max, null, out int value, out string? error))
            {
                return Fail<int[]>(result, error, []);
            }

            if (values.Contains(value))
            {
                return Fail<int[]>(result, $"{name} lists {value} twice", []);
            }

            values.Add(value);
        }

        return [.. values];
    }

    /// <summary>
    /// Seconds as a plain decimal with '.' (e.g. 30, 0.5): no exponent, sign, thousands separator, NaN or
    /// Infinity, and at most <see cref="MaxTimeoutSeconds"/>.
    /// </summary>
    public static double ParseSeconds(ArgumentResult result)
    {
        string? text = Token(result);
        string name = NameOf(result);
        if (text is null)
        {
            return 0;
        }

        if (text.Length == 0 || !text.All(c => char.IsAsciiDigit(c) || c == '.')
            || !double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds))
        {
            string hint = text.Contains(',', StringComparison.Ordinal) ? " (use '.' for decimals)" : string.Empty;
            return Fail(result, $"{name} '{text}' is not a number of seconds such as 30 or 0.5{hint}", 0.0);
        }

        if (seconds > MaxTimeoutSeconds)
        {
            return Fail(result, $"{name} must be at most {MaxTimeoutSeconds.ToString(CultureInfo.InvariantCulture)} seconds (30 days), not {text}; 0 means no limit", 0.0);
        }

        return seconds;
    }

    /// <summary>One of <paramref name="choices"/> (case-insensitive), returned as the choice's key.</summary>
    public static T ParseChoice<T>(ArgumentResult result, IReadOnlyDictionary<string, T> choices, T fallback)
    {
        ArgumentNullException.ThrowIfNull(choices);
        string? text = Token(result);
        if (text is null)
        {
            return fallback;
        }

        foreach ((string key, T value) in choices)
        {
            if (string.Equals(key, text, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return Fail(result, $"{NameOf(result)} must be {JoinOr(choices.Keys)}, not '{text}'", fallback);
    }

    /// <summary>A comma-separated list of choices, each at most once.</summary>
    public static T[] ParseChoiceList<T>(ArgumentResult result, IReadOnlyDictionary<string, T> choices)
    {
        ArgumentNullException.ThrowIfNull(choices);
        string? text = Token(result);
        string name = NameOf(result);
        var values = new List<T>();
        foreach (string raw in (text ?? string.Empty).Split(','))
        {
            string item = raw.Trim();
            KeyValuePair<string, T>? match = choices.FirstOrDefault(c => string.Equals(c.Key, item, StringComparison.OrdinalIgnoreCase));
            if (item.Length == 0 || match?.Key is null)
            {
                return Fail<T[]>(result, $"{name} must be a comma-separated list of {JoinOr(choices.Keys)}, not '{text}'", []);
            }

            if (values.Contains(match.Value.Value))
            {
                return Fail<T[]>(result, $"{name} lists '{item}' twice", []);
            }

            values.Add(match.Value.Value);
        }

        return [.. values];
    }

    /// <summary>"a, b or c".</summary>
    public static string JoinOr(IEnumerable<string> names)
    {
        string[] all = [.. names];
        return all.Length <= 1 ? string.Join(string.Empty, all) : $"{string.Join(", ", all[..^1])} or {all[^1]}";
    }

    /// <summary>Records <paramref name="error"/> on <paramref name="result"/> and returns <paramref name="fallback"/>.</summary>
    public static T Fail<T>(ArgumentResult result, string error, T fallback)
    {
        ArgumentNullException.ThrowIfNull(result);
        result.AddError(error);
        return fallback;
    }
}

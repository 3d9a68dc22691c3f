using System.CommandLine;
using System.CommandLine.Parsing;

namespace Vmm.Host.Cli;

/// <summary>
/// Turns System.CommandLine's parse errors into vmm's lines: an unknown command is named as a command with the
/// nearest valid one, an unknown option with the nearest option of its command, and every other error as its
/// parser or validator wrote it. One line per mistake, all of them.
/// </summary>
internal static class ParseErrorReport
{
    public static IReadOnlyList<string> Lines(ParseResult parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        var lines = new List<string>();
        if (parsed.Errors.Count == 0)
        {
            return lines;
        }

        Command command = parsed.CommandResult.Command;
        string path = CommandPath(parsed.CommandResult);
        string[] subcommands = [.. command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name)];
        var handled = new HashSet<string>(StringComparer.Ordinal);
        bool afterUnknownOption = false;
        foreach (string token in parsed.UnmatchedTokens)
        {
            handled.Add(token);
            if (token.StartsWith('-') && token.Length > 1)
            {
                string[] options = [.. command.Options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith('-')).Distinct()];
                (string nearest, bool likely) = NameSuggester.Nearest(token, options);
                lines.Add($"unknown option '{token}' for '{path}' ({(likely ? $"did you mean '{nearest}'? " : string.Empty)}see '{path} --help')");
                afterUnknownOption = true;
                continue;
            }

            if (afterUnknownOption)
            {
                // Most likely the unknown option's value: one line per mistake.
                afterUnknownOption = false;
                continue;
            }

            if (subcommands.Length > 0)
            {
                lines.Add($"unknown command '{(path == "vmm" ? token : path[4..] + " " + token)}' ({NameSuggester.Hint(token, subcommands, path + " commands")})");
            }
            else
            {
                lines.Add($"unexpected argument '{token}' for '{path}': it takes options only (see '{path} --help')");
            }
        }

        foreach (ParseError error in parsed.Errors)
        {
            if (handled.Any(t => error.Message.Contains($"'{t}'", StringComparison.Ordinal)))
            {
                continue;
            }

            // A command group run without a subcommand ("vmm", "vmm bench").
            if (error.SymbolResult is CommandResult && subcommands.Length > 0 && lines.Count == 0 && parsed.UnmatchedTokens.Count == 0)
            {
                lines.Add($"{path} needs a command: {string.Join(", ", subcommands)} (see '{path} --help')");
                continue;
            }

            if (error.SymbolResult is CommandResult && subcommands.Length > 0)
            {
                continue;
            }

            string line = VmmCommandLine.OneLine(error.Message);
            if (!lines.Contains(line))
            {
                lines.Add(line);
            }
        }

        return lines;
    }

    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is not null; r = r.Parent)
        {
            if (r is CommandResult c)
            {
                names.Insert(0, c.Parent is null ? "vmm" : c.Command.Name);
            }
        }

        return string.Join(' ', names);
    }
}

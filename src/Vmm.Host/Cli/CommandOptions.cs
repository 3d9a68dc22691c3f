using System.CommandLine;
using System.CommandLine.Parsing;

namespace Vmm.Host.Cli;

/// <summary>Registers a command's options and one validator that reports every error its check finds.</summary>
internal static class CommandOptions
{
    /// <summary>
    /// Adds <paramref name="options"/> to <paramref name="command"/>, and a validator that runs
    /// <paramref name="check"/> and turns each error it collects into a parse error, so that all mistakes of a
    /// command line are reported together and before any hypervisor is opened.
    /// </summary>
    public static void Register(Command command, IEnumerable<Option> options, Action<SymbolResult, List<string>> check)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(check);
        foreach (Option option in options)
        {
            command.Add(option);
        }

        command.Validators.Add(result =>
        {
            var errors = new List<string>();
            check(result, errors);
            foreach (string error in errors)
            {
                result.AddError(error);
            }
        });
    }
}

using System.CommandLine;
using Vmm.Core.Hypervisor;

namespace Vmm.Host.Cli;

/// <summary>
/// The `vmm` command tree and its error policy. Parsing and every check of the command line happen in
/// System.CommandLine's parsers and validators, so all mistakes of one command line are reported together, one
/// line each, exit 2, before any command runs. A command then prepares what it writes (opens its files) before it
/// opens the hypervisor. Whatever escapes a command becomes one line and exit 3; the stack trace goes only to the
/// `--log` file.
/// </summary>
public static class VmmCommandLine
{
    /// <summary>Builds the root command.</summary>
    public static RootCommand Create() => Create(CliContext.ForConsole());

    /// <summary>Parses and runs <paramref name="args"/> on the console; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter? error = null) => Run(args, CliContext.ForConsole(error));

    internal static RootCommand Create(CliContext context)
    {
        var root = new RootCommand("""
            vmm: a userspace virtual machine monitor for x86-64 guests on KVM and WHP, with the Hyper-V
            enlightenments emulated in userspace.

            Examples:
              vmm run                          run the default built-in guest
              vmm run --guest smp --cpus 4     run a built-in guest on 4 vCPUs
              vmm run -smp 2 -m 512 -kernel probe.elf   QEMU spellings work too
              vmm info                         show the backend and what it supports
              vmm bench exits --json           measure the cost of one VM exit
            """);
        root.Add(RunCommand.Create(context));
        root.Add(InfoCommand.Create(context));
        root.Add(BenchCommand.Create(context));
        return root;
    }

    internal static int Run(string[] args, CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            RootCommand root = Create(context);
            ParseResult parsed = root.Parse(args);
            IReadOnlyList<string> errors = ParseErrorReport.Lines(parsed);
            if (errors.Count > 0)
            {
                foreach (string line in errors)
                {
                    context.Error.WriteLine($"vmm: {line}");
                }

                return ExitCodes.UsageError;
            }

            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = context.Out, Error = context.Error });
        }
        catch (Exception e)
        {
            return Report(e, context.Error);
        }
    }

    /// <summary>One line for an exception that reached the top, and the exit code its kind means.</summary>
    internal static int Report(Exception e, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(error);
        (string text, int code) = e switch
        {
            UsageException => (e.Message, ExitCodes.UsageError),
            HypervisorUnavailableException => (e.Message, ExitCodes.UsageError),
            HypervisorException => (e.Message, ExitCodes.VmFault),
            _ => ($"VMM failure: {e.GetType().Name}: {e.Message} (the stack trace goes to --log FILE)", ExitCodes.VmFault),
        };
        error.WriteLine($"vmm: {OneLine(text)}");
        return code;
    }

    /// <summary>Folds a multi-line message into one line.</summary>
    internal static string OneLine(string text) =>
        string.Join("; ", text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

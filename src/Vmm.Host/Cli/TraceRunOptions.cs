using System.CommandLine;
using Vmm.HyperV.Hypercalls;

namespace Vmm.Host.Cli;

/// <summary>The `vmm run` options of the hypercall trace beyond `--trace-hypercalls`: its size bound and its end-of-run line.</summary>
internal static class TraceRunOptions
{
    /// <summary>Adds `--trace-max-size SIZE` to <paramref name="command"/>.</summary>
    public static Option<string?> AddMaxSize(Command command)
    {
        var option = new Option<string?>("--trace-max-size")
        {
            Description = "Stop writing the hypercall trace at SIZE bytes (e.g. 64M); later records are dropped and counted at exit",
            HelpName = "SIZE",
        };
        command.Add(option);
        return option;
    }

    /// <summary>The bound `--trace-max-size` gives, or no bound.</summary>
    /// <exception cref="UsageException">The size does not parse or is zero.</exception>
    public static long GetMaxSize(ParseResult result, Option<string?> option)
    {
        string? text = result.GetValue(option);
        if (text is null)
        {
            return long.MaxValue;
        }

        if (!SizeParser.TryParse(text, out ulong bytes) || bytes == 0 || bytes > long.MaxValue)
        {
            throw new UsageException($"--trace-max-size must be a size such as 4096, 512K or 64M, not '{text}'");
        }

        return (long)bytes;
    }

    /// <summary>Prints the trace's end-of-run line on stderr.</summary>
    public static void Report(HypercallTraceStatistics statistics) => Console.Error.WriteLine($"vmm: {statistics}");
}

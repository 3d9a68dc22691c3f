using Vmm.Core.Hypervisor;

namespace Vmm.Host.Cli;

/// <summary>
/// What a `vmm` invocation talks to: its output and error writers and the way it opens a hypervisor. The process
/// uses the console and <see cref="BackendSelector.Open"/>; tests pass writers and an opener of their own (e.g. one
/// that behaves as a machine without /dev/kvm and records whether it was reached).
/// </summary>
internal sealed class CliContext
{
    /// <summary>Standard output: tables, JSON, help.</summary>
    public required TextWriter Out { get; init; }

    /// <summary>Standard error: one line per error, progress, the run summary.</summary>
    public required TextWriter Error { get; init; }

    /// <summary>Opens the backend named by `--backend` (auto, kvm, whp).</summary>
    public required Func<string, IHypervisor> OpenHypervisor { get; init; }

    /// <summary>Whether <see cref="Out"/> is a terminal (tables take its width and colours only then).</summary>
    public bool OutIsTerminal { get; init; }

    /// <summary>Whether <see cref="Error"/> is a terminal (live progress is drawn only there).</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>Where COM1 goes with `--serial stdio`.</summary>
    public Func<Stream> OpenStandardOutput { get; init; } = Console.OpenStandardOutput;

    /// <summary>What COM1 receives with `--serial stdio` (the console's stdin), or null for no input.</summary>
    public Func<Stream>? OpenStandardInput { get; init; }

    /// <summary>The process's context: the console and the real backends.</summary>
    public static CliContext ForConsole(TextWriter? error = null) => new()
    {
        Out = Console.Out,
        Error = error ?? Console.Error,
        OpenHypervisor = BackendSelector.Open,
        OpenStandardInput = Console.OpenStandardInput,
        OutIsTerminal = !Console.IsOutputRedirected,
        ErrorIsTerminal = error is null && !Console.IsErrorRedirected,
    };
}

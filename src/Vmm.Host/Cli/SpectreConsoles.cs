using Spectre.Console;

namespace Vmm.Host.Cli;

/// <summary>
/// Spectre.Console consoles over vmm's writers (https://spectreconsole.net/): colours, live progress and the
/// terminal's width only on a terminal; plain text at a fixed width when redirected, so a table in a file or a test
/// reads the same every time.
/// </summary>
internal static class SpectreConsoles
{
    /// <summary>Width of tables written to a file or pipe.</summary>
    public const int RedirectedWidth = 200;

    public static IAnsiConsole Create(TextWriter writer, bool terminal)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!terminal)
        {
            console.Profile.Width = RedirectedWidth;
        }

        return console;
    }
}

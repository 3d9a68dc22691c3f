namespace Vmm.Host.Cli;

/// <summary>
/// Where COM1 output goes (`--serial`, QEMU's <c>-serial</c>): <c>stdio</c> (the console, the default), <c>null</c>
/// or <c>none</c> (discarded), <c>file:PATH</c> as in QEMU, or a plain PATH.
/// </summary>
/// <param name="Path">The file to write, or null for the console or nothing.</param>
/// <param name="Discard">True for null/none.</param>
internal sealed record SerialTarget(string? Path, bool Discard)
{
    /// <summary>The console.</summary>
    public static SerialTarget Stdio { get; } = new(null, false);

    /// <summary>Reads one `--serial` value; the path is checked separately (<see cref="FileChecks.CheckOutput"/>).</summary>
    public static SerialTarget Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text switch
        {
            "stdio" => Stdio,
            "null" or "none" => new SerialTarget(null, true),
            _ when text.StartsWith("file:", StringComparison.Ordinal) => new SerialTarget(text["file:".Length..], false),
            _ => new SerialTarget(text, false),
        };
    }
}

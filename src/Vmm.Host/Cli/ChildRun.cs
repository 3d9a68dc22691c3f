namespace Vmm.Host.Cli;

/// <summary>How a benchmark's child process (vmm or QEMU) ended.</summary>
/// <param name="Exited">It exited within its time limit (otherwise it was killed).</param>
/// <param name="ExitCode">Its exit status (meaningless when it did not exit).</param>
/// <param name="Started">The <see cref="System.Diagnostics.Stopwatch"/> timestamp just before it was started.</param>
/// <param name="Ended">The timestamp of its exit, or of the time limit.</param>
/// <param name="Stderr">Its non-empty standard error lines, trimmed.</param>
internal sealed record ChildRun(bool Exited, int ExitCode, long Started, long Ended, IReadOnlyList<string> Stderr)
{
    /// <summary>The last few standard error lines as "; stderr: a | b", or empty.</summary>
    public string StderrTail(int lines = 4) => Stderr.Count == 0 ? string.Empty : "; stderr: " + string.Join(" | ", Stderr.Skip(Math.Max(0, Stderr.Count - lines)));
}

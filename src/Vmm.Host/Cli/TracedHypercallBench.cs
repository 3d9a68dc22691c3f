namespace Vmm.Host.Cli;

/// <summary>`vmm bench hypercalls --trace`: the same null-hypercall run with every call traced to a temporary file.</summary>
internal static class TracedHypercallBench
{
    /// <summary>Runs <paramref name="run"/> with a trace file that is deleted afterwards; returns its µs per call.</summary>
    public static double Run(Func<Stream, double> run)
    {
        string path = Path.Combine(Path.GetTempPath(), $"vmm-bench-trace-{Environment.ProcessId}.jsonl");
        try
        {
            using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
            return run(stream);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

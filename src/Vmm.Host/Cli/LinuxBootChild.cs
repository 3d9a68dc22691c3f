using System.Diagnostics;
using System.Globalization;

namespace Vmm.Host.Cli;

/// <summary>
/// One boot in a child process (vmm or QEMU), timed the same way for both: from just before the process is started
/// to the moment the marker line arrives on its standard output (the guest's COM1), and to the process's exit.
/// </summary>
internal static class LinuxBootChild
{
    /// <summary>Boots once; the sample says why it does not count when it does not.</summary>
    public static LinuxBootSample Boot(LinuxBootRunner runner, int vcpus, int run, string program, IEnumerable<string> args, int passStatus, double timeoutSeconds)
    {
        var scanner = new BootConsoleScanner();
        ChildRun child = Run(program, args, timeoutSeconds, scanner);
        double? marker = scanner.MarkerTimestamp is long m ? Stopwatch.GetElapsedTime(child.Started, m).TotalSeconds : null;
        double exit = Stopwatch.GetElapsedTime(child.Started, child.Ended).TotalSeconds;
        string? failure = !child.Exited
            ? string.Create(CultureInfo.InvariantCulture, $"no exit within {timeoutSeconds} s")
            : Judge(marker is not null, scanner.Cpus, vcpus, child.ExitCode, passStatus);
        if (failure is not null)
        {
            failure += $"; console: {scanner.Tail()}{child.StderrTail()}";
        }

        return new LinuxBootSample(runner, vcpus, run, marker, exit, scanner.GuestUptimeSeconds, scanner.Cpus, failure);
    }

    /// <summary>
    /// Runs <paramref name="program"/> with no console input, its standard output (the guest's COM1) fed to
    /// <paramref name="scanner"/> as it arrives, killed (by its own process id) after <paramref name="timeoutSeconds"/> (0: never).
    /// </summary>
    public static ChildRun Run(string program, IEnumerable<string> args, double timeoutSeconds, BootConsoleScanner scanner)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(scanner);
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var stderr = new List<string>();
        long started = Stopwatch.GetTimestamp();
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new UsageException($"cannot start '{program}'");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new UsageException($"cannot start '{program}': {e.Message}", e);
        }

        using (process)
        {
            // No console input: stdin is a pipe that ends at once (vmm's and QEMU's stdio serial see end of file).
            process.StandardInput.Close();
            process.ErrorDataReceived += (_, e) =>
            {
                if (!string.IsNullOrWhiteSpace(e.Data))
                {
                    lock (stderr)
                    {
                        stderr.Add(e.Data.Trim());
                    }
                }
            };
            process.BeginErrorReadLine();
            var reader = new Thread(() => Pump(process.StandardOutput.BaseStream, scanner)) { IsBackground = true, Name = "bench child console" };
            reader.Start();
            bool exited = timeoutSeconds > 0 ? process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)) : WaitForever(process);
            long ended = Stopwatch.GetTimestamp();
            if (!exited)
            {
                // Our own child only: its id, never a name.
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }

            reader.Join(TimeSpan.FromSeconds(10));
            process.WaitForExit();   // the stderr lines are all in once this returns
            lock (stderr)
            {
                return new ChildRun(exited, exited ? process.ExitCode : -1, started, ended, [.. stderr]);
            }
        }
    }

    /// <summary>Why a boot that ended does not count, or null: the marker with every vCPU, and the pass status.</summary>
    public static string? Judge(bool marked, int cpusSeen, int vcpus, int exitCode, int passStatus) =>
        !marked ? $"no '{BootMarker.Text}' line on the console (exit status {exitCode})"
        : cpusSeen != vcpus ? $"the guest brought up {cpusSeen} of {vcpus} CPUs"
        : exitCode != passStatus ? $"exit status {exitCode}, not the pass verdict's {passStatus}"
        : null;

    private static bool WaitForever(Process process)
    {
        process.WaitForExit();
        return true;
    }

    private static void Pump(Stream output, BootConsoleScanner scanner)
    {
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = output.Read(buffer, 0, buffer.Length)) > 0)
            {
                scanner.Feed(buffer.AsSpan(0, read), Stopwatch.GetTimestamp());
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // the process went away
        }

        scanner.Complete(Stopwatch.GetTimestamp());
    }
}

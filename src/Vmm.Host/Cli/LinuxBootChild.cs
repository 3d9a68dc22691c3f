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

        var scanner = new BootConsoleScanner();
        var stderr = new Queue<string>();
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
                        stderr.Enqueue(e.Data.Trim());
                        if (stderr.Count > 4)
                        {
                            stderr.Dequeue();
                        }
                    }
                }
            };
            process.BeginErrorReadLine();
            var reader = new Thread(() => Pump(process.StandardOutput.BaseStream, scanner)) { IsBackground = true, Name = "linux-boot console" };
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
            double? marker = scanner.MarkerTimestamp is long m ? Stopwatch.GetElapsedTime(started, m).TotalSeconds : null;
            double exit = Stopwatch.GetElapsedTime(started, ended).TotalSeconds;
            string? failure = !exited
                ? string.Create(CultureInfo.InvariantCulture, $"no exit within {timeoutSeconds} s")
                : Judge(marker is not null, scanner.Cpus, vcpus, process.ExitCode, passStatus);
            if (failure is not null)
            {
                string err;
                lock (stderr)
                {
                    err = stderr.Count == 0 ? string.Empty : "; stderr: " + string.Join(" | ", stderr);
                }

                failure += $"; console: {scanner.Tail()}{err}";
            }

            return new LinuxBootSample(runner, vcpus, run, marker, exit, scanner.GuestUptimeSeconds, scanner.Cpus, failure);
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

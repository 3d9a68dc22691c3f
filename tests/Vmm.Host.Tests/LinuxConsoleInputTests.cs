using System.Text;
using Vmm.Host.Cli;

namespace Vmm.Host.Tests;

/// <summary>
/// `vmm run` carries its standard input to the guest's COM1, so a shell on a Linux guest's console is usable: a stock
/// kernel runs busybox sh on ttyS0 (init.sh's `vmmtest=shell`), reads a command typed into vmm's stdin and runs it.
/// </summary>
/// <remarks>
/// Runs the whole command line in-process (the same path as `vmm run --kernel ... --initrd ...` from a terminal). The
/// input is held back until the guest says its console is open: a serial driver clears the UART's FIFO when it
/// starts, so anything typed before that is lost, on a real 16550 as here. Needs upstream KVM (hardware or nested).
/// </remarks>
public sealed class LinuxConsoleInputTests
{
    private const string Ready = "VMM-SHELL ready";

    [Fact]
    public void ACommandTypedIntoVmmsStdinRunsInTheGuestsShell()
    {
        // The tty echoes the line as typed; only a shell that ran it prints the product.
        (int status, string console, string error) = RunShell("echo shell-says-$((6*7))\nexit 0\n", timeoutSeconds: 300);
        Assert.True(status == ExitCodes.Success, $"vmm exited {status}: {error}\n{console}");
        Assert.Contains("shell-says-42", console);
        Assert.Contains("VMM-SHELL status=0", console);
    }

    [Fact]
    public void WithoutInputTheShellNeverRunsTheCommand()
    {
        // Negative control: the same guest with nothing on stdin waits until its own time limit and fails.
        (int status, string console, string error) = RunShell(input: null, timeoutSeconds: 20);
        Assert.True(status == ExitCodes.GuestFailed, $"vmm exited {status}: {error}\n{console}");
        Assert.DoesNotContain("shell-says-42", console);
        Assert.Contains(Ready, console);
    }

    private static (int Status, string Console, string Error) RunShell(string? input, int timeoutSeconds)
    {
        string dir = LinuxGuestTestSupport.SkipUnlessStockLinuxRuns("bzImage");

        var console = new MarkerStream(Ready);
        var error = new StringWriter();
        var context = new CliContext
        {
            Out = new StringWriter(),
            Error = error,
            OpenHypervisor = BackendSelector.Open,
            OpenStandardOutput = () => console,
            OpenStandardInput = input is null ? null : () => new HeldInput(console.Seen, Encoding.ASCII.GetBytes(input)),
        };
        int status = VmmCommandLine.Run(
            [
                "run", "--kernel", Path.Combine(dir, "bzImage"), "--initrd", Path.Combine(dir, "initramfs.cpio.gz"),
                "--append", $"quiet printk.devkmsg=on console=ttyS0 8250.nr_uarts=1 acpi=off pci=off panic=-1 nokaslr vmmtest=shell vmmtest.shelltimeout={timeoutSeconds}",
                "--memory", "512", "--hv", "none", "--timeout", "900",
            ],
            context);
        return (status, console.Text, error.ToString());
    }

    /// <summary>The guest's console: keeps what it wrote and signals once <c>marker</c> has gone by.</summary>
    private sealed class MarkerStream(string marker) : MemoryStream
    {
        private readonly StringBuilder _text = new();

        public ManualResetEventSlim Seen { get; } = new();

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            lock (_text)
            {
                _text.Append(Encoding.Latin1.GetString(buffer));
                if (!Seen.IsSet && _text.ToString().Contains(marker, StringComparison.Ordinal))
                {
                    Seen.Set();
                }
            }
        }

        public override void WriteByte(byte value) => Write([value]);
    }

    /// <summary>Standard input that gives its bytes once the guest's console is open, then ends.</summary>
    private sealed class HeldInput(ManualResetEventSlim ready, byte[] bytes) : Stream
    {
        private bool _given;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_given)
            {
                return 0;
            }

            ready.Wait();
            _given = true;
            int n = Math.Min(count, bytes.Length);
            bytes.AsSpan(0, n).CopyTo(buffer.AsSpan(offset, n));
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

using Vmm.Core.Machine;
using Vmm.Guests;
using Vmm.Host.Cli;

namespace Vmm.Host.Tests;

/// <summary>`vmm` as a user meets it: exit codes, one-line errors without stack traces, real runs on KVM.</summary>
[Collection("vmm-cli")]
public sealed class CommandLineTests
{
    [Theory]
    [InlineData("--bogus")]
    [InlineData("run", "--cpus", "0")]
    [InlineData("run", "--cpus", "300")]
    [InlineData("run", "--cpus", "two")]
    [InlineData("run", "--memory", "lots")]
    [InlineData("run", "--memory", "1M")]
    [InlineData("run", "--guest", "nope")]
    [InlineData("run", "--guest-arg", "novalue")]
    [InlineData("run", "--guest", "smp", "--guest-arg", "iterations=0")]
    [InlineData("run", "--guest", "hello", "--guest-arg", "iterations=5")]
    [InlineData("run", "--backend", "xen")]
    [InlineData("run", "--timeout", "-1")]
    [InlineData("bench", "exits", "--runs", "0")]
    [InlineData("bench", "exits", "--reference", "/no/such/exitref")]
    public void BadInputGetsOneLineAndExitCodeTwo(params string[] args)
    {
        var error = new StringWriter();
        int code = VmmCommandLine.Run(args, error);
        string text = error.ToString();
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.StartsWith("vmm: ", text, StringComparison.Ordinal);
        Assert.Single(text.TrimEnd().Split('\n'));
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
    }

    [Fact]
    public void WhpBackendOnLinuxIsAClearUsageError()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "checks the Linux behaviour of --backend whp");
        var error = new StringWriter();
        Assert.Equal(ExitCodes.UsageError, VmmCommandLine.Run(["run", "--backend", "whp"], error));
        Assert.Contains("needs Windows", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void HelpShowsExamplesAndSucceeds()
    {
        TextWriter saved = Console.Out;
        var output = new StringWriter();
        Console.SetOut(output);
        try
        {
            Assert.Equal(ExitCodes.Success, VmmCommandLine.Run(["run", "--help"]));
        }
        finally
        {
            Console.SetOut(saved);
        }

        Assert.Contains("Examples:", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("--guest", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void RunWithDefaultsPrintsTheHelloGuestAndPasses()
    {
        SkipUnlessKvm();
        string serial = Path.GetTempFileName();
        try
        {
            var error = new StringWriter();
            int code = VmmCommandLine.Run(["run", "--serial", serial], error);
            Assert.True(code == ExitCodes.Success, error.ToString());
            Assert.StartsWith(HelloGuest.Greeting + "1,", File.ReadAllText(serial), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(serial);
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void RunSmpGuestExitsWithItsVerdict(int cpus)
    {
        SkipUnlessKvm();
        string serial = Path.GetTempFileName();
        try
        {
            var error = new StringWriter();
            int code = VmmCommandLine.Run(["run", "--guest", "smp", "--cpus", cpus.ToString(System.Globalization.CultureInfo.InvariantCulture), "--guest-arg", "iterations=200000", "--serial", serial], error);
            Assert.True(code == ExitCodes.Success, error.ToString());
            Assert.Contains($"= {cpus * 200000} (expected {cpus * 200000})", File.ReadAllText(serial), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(serial);
        }
    }

    [Fact]
    public void ATimeLimitStopsASpinningGuestWithTheVmFaultCode()
    {
        SkipUnlessKvm();
        Assert.Equal(ExitCodes.VmFault, VmmCommandLine.Run(["run", "--guest", "spin", "--cpus", "2", "--timeout", "0.5"], new StringWriter()));
    }

    [Theory]
    [InlineData(MachineExitReason.GuestExit, 0u, ExitCodes.Success)]
    [InlineData(MachineExitReason.GuestExit, 1u, ExitCodes.GuestFailed)]
    [InlineData(MachineExitReason.GuestExit, 0xE000_000Du, ExitCodes.GuestFailed)]
    [InlineData(MachineExitReason.Shutdown, 0u, ExitCodes.VmFault)]
    [InlineData(MachineExitReason.Fault, 0u, ExitCodes.VmFault)]
    [InlineData(MachineExitReason.HostRequest, 0u, ExitCodes.VmFault)]
    public void ExitCodeIsTheGuestsVerdict(MachineExitReason reason, uint status, int expected) =>
        Assert.Equal(expected, RunCommand.ToExitCode(new MachineExit(reason, status, 0, null)));

    private static void SkipUnlessKvm()
    {
        bool available = OperatingSystem.IsLinux() && Kvm.KvmHypervisor.IsAvailable(out _);
        string reason = "needs Linux";
        if (OperatingSystem.IsLinux())
        {
            Kvm.KvmHypervisor.IsAvailable(out reason);
        }

        Assert.SkipUnless(available, $"needs a usable /dev/kvm: {reason}");
    }
}

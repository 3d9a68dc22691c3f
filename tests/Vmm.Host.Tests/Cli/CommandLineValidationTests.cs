using System.Text.RegularExpressions;
using Vmm.Core.Hypervisor;

namespace Vmm.Host.Tests.Cli;

/// <summary>
/// Every bad command line gets its own one-line errors and exit 2 before a hypervisor is opened, with no stack
/// trace anywhere; on a machine without /dev/kvm (<see cref="NoKvmHost"/>) a valid one gets as far as the
/// missing-KVM line, with its output files already created; whatever escapes a command is one line and exit 3.
/// Runs without a hypervisor.
/// </summary>
[Collection("vmm-cli")]
public sealed partial class CommandLineValidationTests : IDisposable
{
    private static readonly TimeSpan s_caseLimit = TimeSpan.FromSeconds(30);

    private readonly CliFiles _files = new();

    public static TheoryData<string, int, string> Invalid => CommandLineCases.Invalid;

    public static TheoryData<string, int> SeveralMistakes => CommandLineCases.SeveralMistakes;

    public static TheoryData<string> Valid => CommandLineCases.Valid;

    public void Dispose() => _files.Dispose();

    [Theory]
    [MemberData(nameof(Invalid))]
    public void ABadCommandLineGetsItsOwnErrorAndExitTwoBeforeAnyHypervisorIsOpened(string line, int code, string fragment)
    {
        var host = new NoKvmHost();
        int exit = RunBounded(host, _files.Expand(line));
        string error = host.Error.ToString();
        Assert.True(exit == code, $"exit {exit}, expected {code}:\n{error}");
        Assert.Contains(fragment, error, StringComparison.Ordinal);
        Assert.Equal(0, host.Opened);
        Assert.DoesNotContain(NoKvmHost.MissingKvm, error, StringComparison.Ordinal);
        AssertOneLinePerErrorAndNoStackTrace(host);
    }

    [Fact]
    public void TheDataDrivenCasesCoverTheIssueAndThirtyMore()
    {
        // 32 rows from issue 12 come first in CommandLineCases.Invalid; the rest are ours.
        Assert.True(CommandLineCases.Invalid.Count >= 32 + 30, $"{CommandLineCases.Invalid.Count} cases");
    }

    [Theory]
    [MemberData(nameof(SeveralMistakes))]
    public void EveryMistakeOfOneCommandLineIsReportedNotOnlyTheFirst(string line, int lines)
    {
        var host = new NoKvmHost();
        Assert.Equal(ExitCodes.UsageError, RunBounded(host, _files.Expand(line)));
        string[] reported = Lines(host.Error.ToString());
        Assert.True(reported.Length == lines, string.Join('\n', reported));
        Assert.Equal(reported.Length, reported.Distinct().Count());
        Assert.Equal(0, host.Opened);
        AssertOneLinePerErrorAndNoStackTrace(host);
    }

    [Theory]
    [MemberData(nameof(Valid))]
    public void AValidCommandLineGetsAsFarAsTheMissingKvmLineWithItsOutputsCreated(string line)
    {
        var host = new NoKvmHost();
        bool outputExistedAtOpen = false;
        host.OnOpen = _ => outputExistedAtOpen = File.Exists(_files.Out);
        int exit = RunBounded(host, _files.Expand(line));
        string error = host.Error.ToString();
        Assert.True(exit == ExitCodes.UsageError, $"exit {exit}:\n{error}");
        Assert.Equal(1, host.Opened);
        Assert.Equal($"vmm: {NoKvmHost.MissingKvm}", error.TrimEnd());
        Assert.Equal(line.Contains("{out}", StringComparison.Ordinal), outputExistedAtOpen);
        AssertOneLinePerErrorAndNoStackTrace(host);
    }

    [Fact]
    public void ALogInAMissingDirectoryIsRefusedWithoutCreatingTheDirectory()
    {
        string dir = Path.Combine(_files.Dir, "missing");
        var host = new NoKvmHost();
        Assert.Equal(ExitCodes.UsageError, host.Run("run", "--log", Path.Combine(dir, "x.log")));
        Assert.False(Directory.Exists(dir));
        Assert.Contains("does not exist (vmm does not create directories)", host.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AnOutputOfABadCommandLineIsNotTruncated()
    {
        File.WriteAllText(_files.Out, "keep");
        var host = new NoKvmHost();
        Assert.Equal(ExitCodes.UsageError, host.Run("run", "--serial", _files.Out, "--cpus", "0"));
        Assert.Equal("keep", File.ReadAllText(_files.Out));
    }

    [Fact]
    public void AnExceptionThatEscapesACommandIsOneLineAndExitThreeWithTheStackTraceOnlyInTheLog()
    {
        var host = new NoKvmHost(_ => Thrower());
        Assert.Equal(ExitCodes.VmFault, host.Run("run", "--log", _files.Out));
        Assert.Equal("vmm: VMM failure: InvalidOperationException: boom; second line (the stack trace goes to --log FILE)", host.Error.ToString().TrimEnd());
        AssertOneLinePerErrorAndNoStackTrace(host);
        string log = File.ReadAllText(_files.Out);
        Assert.Contains("System.InvalidOperationException: boom", log, StringComparison.Ordinal);
        Assert.Matches(StackFrame(), log);

        // Negative control: the same failure without --log leaves no trace anywhere, and the pattern finds real ones.
        var bare = new NoKvmHost(_ => Thrower());
        Assert.Equal(ExitCodes.VmFault, bare.Run("run"));
        AssertOneLinePerErrorAndNoStackTrace(bare);
    }

    [Fact]
    public void AHypervisorFaultIsExitThreeAndUnavailableIsExitTwo()
    {
        var fault = new NoKvmHost(_ => new HypervisorException("KVM_RUN failed: platform fault"));
        Assert.Equal(ExitCodes.VmFault, fault.Run("run"));
        Assert.Equal("vmm: KVM_RUN failed: platform fault", fault.Error.ToString().TrimEnd());
        var info = new NoKvmHost(_ => Thrower());
        Assert.Equal(ExitCodes.VmFault, info.Run("bench", "exits"));
        AssertOneLinePerErrorAndNoStackTrace(info);
    }

    [Fact]
    public void InfoWithoutKvmSaysWhyOnceAndDrawsAlignedTables()
    {
        var host = new NoKvmHost();
        Assert.Equal(ExitCodes.Success, host.Run("info"));
        string text = host.Out.ToString();
        Assert.Contains($"backend: none usable: {NoKvmHost.MissingKvm.TrimEnd('.')}{Environment.NewLine}", text, StringComparison.Ordinal);
        Assert.DoesNotContain(".)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("..", text, StringComparison.Ordinal);
        string[] table = [.. Lines(text).Where(l => l.Length > 0 && "┌│├└".Contains(l[0], StringComparison.Ordinal))];
        Assert.NotEmpty(table);
        Assert.All(table, l => Assert.Equal(table[0].Length, l.Length));
        foreach (Vmm.Guests.IBuiltInGuest guest in Vmm.Guests.BuiltInGuests.All)
        {
            Assert.Contains(table, l => l.StartsWith($"│ {guest.Name} ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void TheCpusHelpStatesTheRealLimitAndTheFix()
    {
        var host = new NoKvmHost();
        Assert.Equal(ExitCodes.Success, host.Run("run", "--help"));
        string help = string.Join(' ', host.Out.ToString().Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("1 to 256", help, StringComparison.Ordinal);
        Assert.Contains("serves at most 64: above 64 use --hv windows or add +tlbflush-ex", help, StringComparison.Ordinal);
        Assert.Contains("-smp", help, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("trace")]
    [InlineData("guests")]
    [InlineData("bench", "exits")]
    [InlineData("bench", "flush")]
    [InlineData("bench", "linux-boot")]
    [InlineData("bench", "linux-flush")]
    public void EveryOptionsHelpStatesItsDefaultOnceAndAsPeopleWriteIt(params string[] command)
    {
        var host = new NoKvmHost();
        Assert.Equal(ExitCodes.Success, host.Run([.. command, "--help"]));
        foreach (string line in host.Out.ToString().Split('\n'))
        {
            // System.CommandLine adds "[default: X]" for an option with a default value factory; a description
            // that says it too printed it twice, and a size default came out in bytes (536870912 for 512M).
            Assert.True(Regex.Count(line, @"\[default: ") <= 1, line);
            Assert.DoesNotMatch(@"\[default: [0-9]{7,}\]", line);
        }
    }

    private static InvalidOperationException Thrower()
    {
        try
        {
            throw new InvalidOperationException("boom\nsecond line");
        }
        catch (InvalidOperationException e)
        {
            return e;   // thrown once, so it carries a stack trace
        }
    }

    private static int RunBounded(NoKvmHost host, string[] args)
    {
        // A named pipe must be refused at once, not opened: a case that blocks fails here instead of hanging the run.
        var run = Task.Run(() => host.Run(args));
        Assert.True(run.Wait(s_caseLimit), $"vmm {string.Join(' ', args)} did not finish within {s_caseLimit.TotalSeconds} s");
        return run.Result;
    }

    private static void AssertOneLinePerErrorAndNoStackTrace(NoKvmHost host)
    {
        string error = host.Error.ToString();
        Assert.All(Lines(error), l => Assert.StartsWith("vmm: ", l, StringComparison.Ordinal));
        foreach (string text in new[] { error, host.Out.ToString() })
        {
            Assert.DoesNotMatch(StackFrame(), text);
            Assert.DoesNotContain("Exception: ", text.Replace("InvalidOperationException: boom", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        }
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    // A .NET stack frame: "   at Namespace.Type.Method(" at the start of a line.
    [GeneratedRegex(@"^\s+at \S+\(", RegexOptions.Multiline)]
    private static partial Regex StackFrame();
}

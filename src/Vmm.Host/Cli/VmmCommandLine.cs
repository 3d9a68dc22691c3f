using System.CommandLine;
using Vmm.Core.Hypervisor;

namespace Vmm.Host.Cli;

/// <summary>The `vmm` command tree and its error policy: one line on stderr and an exit code, never a stack trace.</summary>
public static class VmmCommandLine
{
    /// <summary>Builds the root command.</summary>
    public static RootCommand Create()
    {
        var root = new RootCommand("""
            vmm: a userspace virtual machine monitor for x86-64 guests on KVM and WHP, with the Hyper-V
            enlightenments emulated in userspace.

            Examples:
              vmm run                          run the default built-in guest
              vmm run --guest smp --cpus 4     run a built-in guest on 4 vCPUs
              vmm info                         show the backend and what it supports
              vmm bench exits --json           measure the cost of one VM exit
            """);
        root.Add(RunCommand.Create());
        root.Add(InfoCommand.Create());
        root.Add(BenchCommand.Create());
        root.Add(TraceCommand.Create());
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter? error = null)
    {
        error ??= Console.Error;
        RootCommand root = Create();
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            error.WriteLine($"vmm: {parsed.Errors[0].Message} (see 'vmm --help')");
            return ExitCodes.UsageError;
        }

        try
        {
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (UsageException e)
        {
            error.WriteLine($"vmm: {e.Message}");
            return ExitCodes.UsageError;
        }
        catch (HypervisorUnavailableException e)
        {
            error.WriteLine($"vmm: {e.Message}");
            return ExitCodes.UsageError;
        }
        catch (ArgumentException e)
        {
            error.WriteLine($"vmm: {e.Message}");
            return ExitCodes.UsageError;
        }
        catch (HypervisorException e)
        {
            error.WriteLine($"vmm: {e.Message}");
            return ExitCodes.VmFault;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or OutOfMemoryException)
        {
            error.WriteLine($"vmm: {e.GetType().Name}: {e.Message}");
            return ExitCodes.VmFault;
        }
    }
}

using System.CommandLine;
using System.Globalization;

namespace Vmm.Host.Cli;

/// <summary>Options shared by the commands that create a VM.</summary>
internal sealed class CommonOptions
{
    public Option<string> Backend { get; } = new("--backend")
    {
        Description = "Hypervisor backend: auto (KVM on Linux, WHP on Windows), kvm or whp",
        DefaultValueFactory = _ => "auto",
        HelpName = "auto|kvm|whp",
    };

    public Option<int> Cpus { get; } = new("--cpus")
    {
        Description = "Number of vCPUs",
        DefaultValueFactory = _ => 1,
        HelpName = "N",
    };

    public Option<string> Memory { get; } = new("--memory")
    {
        Description = "Guest RAM, e.g. 64M, 1G (binary units)",
        DefaultValueFactory = _ => "256M",
        HelpName = "SIZE",
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Log debug messages to stderr",
    };

    public Option<string?> Log { get; } = new("--log")
    {
        Description = "Write a debug log to FILE",
        HelpName = "FILE",
    };

    public void AddTo(Command command)
    {
        command.Add(Backend);
        command.Add(Cpus);
        command.Add(Memory);
        command.Add(Verbose);
        command.Add(Log);
    }

    public int GetCpus(ParseResult result)
    {
        int cpus = result.GetValue(Cpus);
        if (cpus < 1 || cpus > 256)
        {
            throw new UsageException($"--cpus must be from 1 to 256, not {cpus.ToString(CultureInfo.InvariantCulture)}");
        }

        return cpus;
    }

    public ulong GetMemory(ParseResult result)
    {
        string text = result.GetValue(Memory) ?? "256M";
        if (!SizeParser.TryParse(text, out ulong bytes))
        {
            throw new UsageException($"--memory '{text}' is not a size (examples: 64M, 1G, 268435456)");
        }

        if (bytes < 16UL << 20)
        {
            throw new UsageException($"--memory must be at least 16M, not {text}");
        }

        if (bytes > 1UL << 40)
        {
            throw new UsageException($"--memory must be at most 1T, not {text}");
        }

        return bytes;
    }
}

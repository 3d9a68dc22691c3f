using Vmm.Core.Hypervisor;
using Vmm.Kvm;
using Vmm.Whp;

namespace Vmm.Host;

/// <summary>Turns `--backend auto|kvm|whp` into an open hypervisor, or a one-line reason it cannot.</summary>
public static class BackendSelector
{
    /// <summary>The accepted --backend values.</summary>
    public static readonly string[] Names = ["auto", "kvm", "whp"];

    /// <summary>Opens the backend named <paramref name="name"/>.</summary>
    /// <exception cref="UsageException">Unknown name.</exception>
    /// <exception cref="HypervisorUnavailableException">The backend cannot run on this machine.</exception>
    public static IHypervisor Open(string name)
    {
        switch (name.ToLowerInvariant())
        {
            case "kvm":
                return OpenKvm();
            case "whp":
                return OpenWhp();
            case "auto":
                if (OperatingSystem.IsWindows())
                {
                    return OpenWhp();
                }

                return OpenKvm();
            default:
                throw new UsageException($"unknown backend '{name}' (use auto, kvm or whp)");
        }
    }

    private static KvmHypervisor OpenKvm()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new HypervisorUnavailableException("the kvm backend needs Linux with /dev/kvm");
        }

        return KvmHypervisor.Open();
    }

    private static WhpHypervisor OpenWhp()
    {
        if (!OperatingSystem.IsWindows())
        {
            throw new HypervisorUnavailableException("the whp backend needs Windows with the Windows Hypervisor Platform feature enabled");
        }

        return WhpHypervisor.Open();
    }
}

using Vmm.Core.Hypervisor;
using Vmm.Host.Cli;

namespace Vmm.Host.Tests.Cli;

/// <summary>
/// `vmm` in-process on a machine without /dev/kvm: the hypervisor opener (the CLI's only way to a backend) counts
/// how often it is reached and answers as KvmHypervisor.Open does when the device is missing. The tests prove the
/// order: an invalid command line never reaches the opener; a valid one reaches it once, with its outputs created.
/// </summary>
internal sealed class NoKvmHost
{
    /// <summary>KvmHypervisor.IsAvailable's reason when the device node does not exist (its wording).</summary>
    public static readonly string MissingKvm = $"/dev/kvm does not exist (no KVM on this machine, or the kvm module is not loaded).";

    private readonly Func<string, Exception>? _failure;

    public NoKvmHost(Func<string, Exception>? failure = null) => _failure = failure;

    public StringWriter Out { get; } = new();

    public StringWriter Error { get; } = new();

    /// <summary>How often the CLI tried to open a hypervisor.</summary>
    public int Opened { get; private set; }

    /// <summary>Called when the opener is reached (e.g. to look at the files already created).</summary>
    public Action<string>? OnOpen { get; set; }

    public int Run(params string[] args) => VmmCommandLine.Run(args, new CliContext
    {
        Out = Out,
        Error = Error,
        OpenHypervisor = Open,
        OpenStandardOutput = () => new MemoryStream(),
    });

    private IHypervisor Open(string backend)
    {
        Opened++;
        OnOpen?.Invoke(backend);
        throw _failure?.Invoke(backend) ?? new HypervisorUnavailableException(MissingKvm);
    }
}

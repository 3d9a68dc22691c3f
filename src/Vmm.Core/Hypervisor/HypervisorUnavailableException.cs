namespace Vmm.Core.Hypervisor;

/// <summary>The requested backend is not usable on this machine (no /dev/kvm, no WHP, wrong OS).</summary>
public sealed class HypervisorUnavailableException : HypervisorException
{
    /// <summary>Creates the exception.</summary>
    public HypervisorUnavailableException()
    {
    }

    /// <summary>Creates the exception with the reason.</summary>
    public HypervisorUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and inner exception.</summary>
    public HypervisorUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

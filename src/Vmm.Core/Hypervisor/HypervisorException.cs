namespace Vmm.Core.Hypervisor;

/// <summary>A host or platform failure while setting up or running a partition (never a guest mistake).</summary>
public class HypervisorException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HypervisorException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public HypervisorException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the platform error code.</summary>
    public HypervisorException(string message, string operation, int errorCode)
        : base(message)
    {
        Operation = operation;
        ErrorCode = errorCode;
    }

    /// <summary>Creates the exception with a message and inner exception.</summary>
    public HypervisorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The platform operation that failed (an ioctl or WHv function name).</summary>
    public string? Operation { get; }

    /// <summary>errno on Linux, HRESULT on Windows.</summary>
    public int ErrorCode { get; }
}

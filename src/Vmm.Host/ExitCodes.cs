namespace Vmm.Host;

/// <summary>The `vmm` process exit codes.</summary>
public static class ExitCodes
{
    /// <summary>The guest reported pass (status 0), or a non-run command succeeded.</summary>
    public const int Success = 0;

    /// <summary>The guest reported failure (a non-zero status, or an unexpected exception in the guest).</summary>
    public const int GuestFailed = 1;

    /// <summary>Bad command line, or the requested backend is not available on this machine.</summary>
    public const int UsageError = 2;

    /// <summary>The VM could not run: shutdown, platform fault, time limit, or a VMM failure.</summary>
    public const int VmFault = 3;
}

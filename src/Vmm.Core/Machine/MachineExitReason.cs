namespace Vmm.Core.Machine;

/// <summary>Why a machine stopped.</summary>
public enum MachineExitReason
{
    /// <summary>The guest wrote a status to the exit port.</summary>
    GuestExit,

    /// <summary>A vCPU shut down (triple fault or platform shutdown).</summary>
    Shutdown,

    /// <summary>The guest asked for a reset (reset is not implemented: the machine stops).</summary>
    Reset,

    /// <summary>The platform could not run the guest, or the VMM failed.</summary>
    Fault,

    /// <summary>The host asked the machine to stop (Ctrl-C, a test, a time limit).</summary>
    HostRequest,
}

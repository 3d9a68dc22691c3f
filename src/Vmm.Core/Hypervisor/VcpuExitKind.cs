namespace Vmm.Core.Hypervisor;

/// <summary>Why <see cref="IVirtualProcessor.Run"/> returned.</summary>
public enum VcpuExitKind
{
    /// <summary>An exit was serviced; enter again.</summary>
    Continue = 0,

    /// <summary>The processor executed HLT and the platform returned to userspace to wait for an interrupt.</summary>
    Halted,

    /// <summary>A kick interrupted the run (or prevented the entry).</summary>
    Canceled,

    /// <summary>The guest shut down (triple fault, or a platform shutdown event).</summary>
    Shutdown,

    /// <summary>The guest asked for a reset.</summary>
    Reset,

    /// <summary>The platform could not run the guest (entry failure, emulation failure, internal error).</summary>
    Fault,
}

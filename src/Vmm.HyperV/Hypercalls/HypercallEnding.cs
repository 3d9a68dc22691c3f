namespace Vmm.HyperV.Hypercalls;

/// <summary>How a hypercall ended: the one <see cref="Core.Hypervisor.IHypercallIo"/> call the dispatcher made.</summary>
public enum HypercallEnding
{
    /// <summary><c>Complete</c>: RAX holds the result and the guest continues after the call.</summary>
    Completed,

    /// <summary><c>Continue</c>: RCX holds the next rep start index and the guest re-executes the call.</summary>
    Continued,

    /// <summary><c>InjectInvalidOpcode</c>: #UD (CPL above 0, not 64-bit protected mode, or XMM use not advertised).</summary>
    InvalidOpcode,
}

using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Hypercalls;

/// <summary>Settings of a <see cref="HypercallDispatcher"/> beyond what the feature profile decides.</summary>
public sealed record HypercallDispatcherOptions
{
    /// <summary>The defaults: XMM use as the profile advertises it, no rep cap.</summary>
    public static HypercallDispatcherOptions Default { get; } = new();

    /// <summary>
    /// Accept XMM fast hypercall input (CPUID 0x40000003.EDX bit 4). Null: as the profile advertises
    /// (<see cref="HvFeatures.XmmRegistersForFastHypercallAvailable"/>). A guest that uses XMM input when it is not
    /// accepted gets #UD (TLFS "XMM Fast Hypercall Input"), so set this only together with the CPUID bit.
    /// </summary>
    public bool? XmmInput { get; init; }

    /// <summary>
    /// Return fast hypercall output in XMM registers (CPUID 0x40000003.EDX bit 15). Null: as the profile advertises
    /// (<see cref="HvFeatures.XmmRegistersForFastHypercallOutputAvailable"/>). Fast calls with output get #UD
    /// otherwise (TLFS "XMM Fast Hypercall Output").
    /// </summary>
    public bool? XmmOutput { get; init; }

    /// <summary>
    /// The most reps one invocation of a rep call processes before the dispatcher continues the call (TLFS
    /// "Hypercall Continuation": the guest re-executes it from the next rep). Zero (the default): no cap, the
    /// handler sees every rep from the start index.
    /// </summary>
    public int MaxRepsPerInvocation { get; init; }

    /// <summary>
    /// Where a traced call's RSP and CR3 come from, to record its caller (the return address on the guest stack) and
    /// the code before it. Null: traces record no callers. Never used for untraced calls.
    /// </summary>
    public IHypercallCallerRegisters? CallerRegisters { get; init; }
}

using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Hypercalls;

/// <summary>What happened in one hypercall, for <see cref="IHypercallTracer"/>.</summary>
public readonly record struct HypercallTraceRecord
{
    /// <summary>When the call reached the dispatcher (UTC).</summary>
    public DateTime Timestamp { get; init; }

    /// <summary>The calling vCPU's index.</summary>
    public int ProcessorIndex { get; init; }

    /// <summary>The hypercall input value (RCX) as the guest passed it.</summary>
    public HypercallInput Control { get; init; }

    /// <summary>The call code.</summary>
    public HvCallCode CallCode => Control.CallCode;

    /// <summary>The TLFS name of the call, or <c>HvCall0xNNNN</c> for an unknown code.</summary>
    public string Name => HvCallCodeInfo.NameOf(CallCode);

    /// <summary>Register-based ("fast") call.</summary>
    public bool IsFast => Control.IsFast;

    /// <summary>XMM registers carried input or output (known only once the call got that far).</summary>
    public bool UsesXmm { get; init; }

    /// <summary>A rep call: the code's class when the code is known, else whether the guest passed a rep count.</summary>
    public bool IsRep { get; init; }

    /// <summary>Variable header size in QWORDs (control word bits 26:17).</summary>
    public int VariableHeaderSize => Control.VariableHeaderSize;

    /// <summary>Rep start index the guest passed.</summary>
    public int RepStartIndex => Control.RepStartIndex;

    /// <summary>Rep count the guest passed.</summary>
    public int RepCount => Control.RepCount;

    /// <summary>How the call ended.</summary>
    public HypercallEnding Ending { get; init; }

    /// <summary>True when the call was left for the guest to continue (rep start index updated, RIP not advanced).</summary>
    public bool IsContinued => Ending == HypercallEnding.Continued;

    /// <summary>HV_STATUS written to RAX (<see cref="HvStatus.Success"/> for a continuation; meaningless after #UD).</summary>
    public HvStatus Status { get; init; }

    /// <summary>Reps completed (for a continuation: the next rep start index).</summary>
    public int RepsCompleted { get; init; }

    /// <summary>Time spent in the dispatcher, in microseconds.</summary>
    public double DurationMicroseconds { get; init; }

    /// <summary>Guest RIP of the call instruction.</summary>
    public ulong InstructionPointer { get; init; }
}

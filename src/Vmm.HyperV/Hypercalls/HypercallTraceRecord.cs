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

    /// <summary>How far reading the caller got; <see cref="ReturnAddress"/> and <see cref="CallSite"/> are valid as far as it says.</summary>
    public HypercallCallerState CallerState { get; init; }

    /// <summary>
    /// The return address on the guest stack at the call (a call through the hypercall page pushed it): the guest
    /// function that made the call. Zero unless <see cref="CallerState"/> is Read or CodeUnreadable.
    /// </summary>
    public ulong ReturnAddress { get; init; }

    /// <summary>The code bytes that end at <see cref="ReturnAddress"/> (the call instruction is the last of them).</summary>
    public HypercallCallSite CallSite { get; init; }

    /// <summary>How many bytes of <see cref="CallSite"/> were read (they end at the return address).</summary>
    public int CallSiteLength { get; init; }

    /// <summary>How a flush or IPI call named its targets; None for other calls.</summary>
    public HypercallTargetShape TargetShape { get; init; }

    /// <summary>vCPUs the target set resolved to (flush and IPI calls).</summary>
    public int TargetCount { get; init; }

    /// <summary>Sparse VP-set banks the guest passed (Ex calls with a sparse set).</summary>
    public int BankCount { get; init; }

    /// <summary>GVA ranges a list call asked for in this invocation; -1 for calls without ranges.</summary>
    public int RangeCount { get; init; }

    /// <summary>The flush engine flushed everything: always, when it served the call (docs/tlb-flush.md#applying).</summary>
    public bool FlushAll { get; init; }

    /// <summary>The flush engine's strategy (kick, memslot, auto) when the call reached it; else null.</summary>
    public string? FlushStrategy { get; init; }

    /// <summary>Microseconds the flush engine spent on the request: queueing, kicking and waiting for the targets.</summary>
    public double FlushMicroseconds { get; init; }

    /// <summary>Targets that were in the guest and were kicked and awaited.</summary>
    public int Kicked { get; init; }
}

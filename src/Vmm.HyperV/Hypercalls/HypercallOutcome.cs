using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Hypercalls;

/// <summary>
/// What a handler reports for one invocation: success, failure at some rep, or "stopped early, continue at rep n".
/// The dispatcher turns it into the one RAX result (or the continuation) the guest sees.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><see cref="Success"/>: every rep of the window [<see cref="HypercallRequest.RepStartIndex"/>,
/// <see cref="HypercallRequest.RepEndIndex"/>) is done. The dispatcher completes the call with reps completed =
/// rep count, or continues at the window end when the dispatcher itself capped the window.</item>
/// <item><see cref="Failure"/>: rep <c>repIndex</c> failed, every rep before it is done; the guest gets the status
/// and reps completed = <c>repIndex</c> (TLFS "Hypercall Classes": the count of elements processed before the
/// error, counted from rep 0). For a simple call the index is 0.</item>
/// <item><see cref="ContinueAt"/>: a rep call stopped without error before rep <c>nextRepIndex</c> (a time budget,
/// waiting for other VPs); the guest re-executes the call with that rep start index (TLFS "Hypercall
/// Continuation"). The TLFS wants at least one rep done per invocation, so <c>nextRepIndex</c> must be above the
/// rep start index.</item>
/// </list>
/// A handler that breaks these rules (a rep index outside the window, a continuation of a simple call) is a bug in
/// the VMM: the dispatcher throws <see cref="InvalidOperationException"/> and completes nothing.
/// </remarks>
public readonly struct HypercallOutcome : IEquatable<HypercallOutcome>
{
    private HypercallOutcome(HvStatus status, int repIndex, bool isContinuation)
    {
        Status = status;
        RepIndex = repIndex;
        IsContinuation = isContinuation;
    }

    /// <summary>Every rep of the window (or the simple call) succeeded.</summary>
    public static HypercallOutcome Success => default;

    /// <summary>HV_STATUS of a failure; <see cref="HvStatus.Success"/> for success and continuation.</summary>
    public HvStatus Status { get; }

    /// <summary>For a failure, the rep that failed (= reps completed); for a continuation, the next rep to process.</summary>
    public int RepIndex { get; }

    /// <summary>True when the call stopped early without error and must be continued at <see cref="RepIndex"/>.</summary>
    public bool IsContinuation { get; }

    /// <summary>The call failed with <paramref name="status"/> at rep <paramref name="repIndex"/> (0 for a simple call).</summary>
    /// <exception cref="ArgumentException"><paramref name="status"/> is <see cref="HvStatus.Success"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="repIndex"/> is negative or above 4095.</exception>
    public static HypercallOutcome Failure(HvStatus status, int repIndex = 0)
    {
        if (status == HvStatus.Success)
        {
            throw new ArgumentException("A failure needs a status other than Success.", nameof(status));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(repIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(repIndex, HypercallInput.MaxRepCount);
        return new HypercallOutcome(status, repIndex, isContinuation: false);
    }

    /// <summary>The rep call stopped without error; the guest re-executes it from rep <paramref name="nextRepIndex"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nextRepIndex"/> is not in 1..4095.</exception>
    public static HypercallOutcome ContinueAt(int nextRepIndex)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nextRepIndex, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nextRepIndex, HypercallInput.MaxRepCount);
        return new HypercallOutcome(HvStatus.Success, nextRepIndex, isContinuation: true);
    }

    /// <summary>Shorthand for a simple call: <see cref="Success"/>, or <see cref="Failure"/> at rep 0.</summary>
    public static implicit operator HypercallOutcome(HvStatus status) =>
        status == HvStatus.Success ? Success : Failure(status);

    /// <summary>Same as the implicit conversion from <see cref="HvStatus"/>.</summary>
    public static HypercallOutcome FromHvStatus(HvStatus status) => status;

    /// <inheritdoc/>
    public bool Equals(HypercallOutcome other) =>
        Status == other.Status && RepIndex == other.RepIndex && IsContinuation == other.IsContinuation;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is HypercallOutcome other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Status, RepIndex, IsContinuation);

    /// <summary>Trace form: <c>Success</c>, <c>InvalidParameter at rep 3</c> or <c>continue at rep 5</c>.</summary>
    public override string ToString() =>
        IsContinuation ? $"continue at rep {RepIndex}"
        : Status == HvStatus.Success ? "Success"
        : $"{Status} at rep {RepIndex}";

    /// <summary>Equality.</summary>
    public static bool operator ==(HypercallOutcome left, HypercallOutcome right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(HypercallOutcome left, HypercallOutcome right) => !left.Equals(right);
}

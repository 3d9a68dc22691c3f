namespace Vmm.HyperV.Tlfs;

/// <summary>
/// The 64-bit hypercall result value returned in RAX.
/// </summary>
/// <remarks>
/// Layout: TLFS hypercall-interface.md "Hypercall Outputs"; docs/hyperv.md#result-value.
/// <code>
///  15:0 HV_STATUS   31:16 reserved (written as zero)   43:32 reps completed   63:44 reserved (written as zero)
/// </code>
/// The TLFS table labels the upper reserved field "63-40", which overlaps reps completed; that is a typo and the
/// field is 63:44 (docs/hyperv.md#result-value). The TLFS tells callers to ignore both reserved fields; this encoder
/// always writes them as zero. Reps completed is the total count done, not relative to the rep start index.
/// </remarks>
public readonly struct HypercallResult : IEquatable<HypercallResult>
{
    /// <summary>Bits 15:0, HV_STATUS.</summary>
    public const ulong StatusMask = 0xFFFFUL;

    /// <summary>Bit position of reps completed (bits 43:32).</summary>
    public const int RepsCompletedShift = 32;

    /// <summary>Largest reps-completed value (12 bits).</summary>
    public const int MaxRepsCompleted = 0xFFF;

    /// <summary>Bits 31:16 and 63:44: reserved, zero in every value this type encodes.</summary>
    public const ulong ReservedMask = ~(StatusMask | ((ulong)MaxRepsCompleted << RepsCompletedShift));

    /// <summary>Creates a result with <paramref name="status"/> and <paramref name="repsCompleted"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="repsCompleted"/> does not fit 12 bits.</exception>
    public HypercallResult(HvStatus status, int repsCompleted = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(repsCompleted);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(repsCompleted, MaxRepsCompleted);
        Status = status;
        RepsCompleted = repsCompleted;
    }

    /// <summary>A simple call's success: status 0, no reps.</summary>
    public static HypercallResult Success => default;

    /// <summary>HV_STATUS (bits 15:0).</summary>
    public HvStatus Status { get; }

    /// <summary>Total reps completed (bits 43:32).</summary>
    public int RepsCompleted { get; }

    /// <summary>True when <see cref="Status"/> is <see cref="HvStatus.Success"/>.</summary>
    public bool IsSuccess => Status == HvStatus.Success;

    /// <summary>The value to load into RAX.</summary>
    public ulong Value => (ushort)Status | ((ulong)RepsCompleted << RepsCompletedShift);

    /// <summary>Decodes a RAX value, ignoring the reserved fields as the TLFS tells callers to.</summary>
    public static HypercallResult FromValue(ulong value) =>
        new((HvStatus)(ushort)(value & StatusMask), (int)((value >> RepsCompletedShift) & MaxRepsCompleted));

    /// <inheritdoc/>
    public bool Equals(HypercallResult other) => Status == other.Status && RepsCompleted == other.RepsCompleted;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is HypercallResult other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Status, RepsCompleted);

    /// <summary>Trace form, e.g. <c>Success reps 4 (0x400000000)</c>.</summary>
    public override string ToString() => $"{Status} reps {RepsCompleted} (0x{Value:X})";

    /// <summary>Equality of status and reps completed.</summary>
    public static bool operator ==(HypercallResult left, HypercallResult right) => left.Equals(right);

    /// <summary>Inequality of status and reps completed.</summary>
    public static bool operator !=(HypercallResult left, HypercallResult right) => !left.Equals(right);
}

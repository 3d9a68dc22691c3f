namespace Vmm.HyperV.Tlfs;

/// <summary>
/// The 64-bit hypercall input value (the "control word", RCX on x64), parsed without allocation.
/// </summary>
/// <remarks>
/// Layout: TLFS hypercall-interface.md "Hypercall Inputs"; docs/hyperv.md#control-word.
/// <code>
///  15:0  call code          16  fast            26:17  variable header size (QWORDs)
///  30:27 RsvdZ              31  is nested       43:32  rep count
///  47:44 RsvdZ           59:48  rep start index 63:60  RsvdZ
/// </code>
/// Bit 31 is "Is Nested" in the current TLFS but RsvdZ in older TLFS versions, and Linux and KVM count it as
/// reserved (docs/hyperv.md#control-word). <see cref="HasReservedBitsSet"/> covers only the RsvdZ fields; this VMM is not a
/// nested hypervisor, so a dispatcher should also reject <see cref="IsNested"/> (see <see cref="HasReservedOrNestedBitsSet"/>).
/// </remarks>
public readonly struct HypercallInput : IEquatable<HypercallInput>
{
    /// <summary>Bits 15:0, call code.</summary>
    public const ulong CallCodeMask = 0xFFFFUL;

    /// <summary>Bit 16, fast (register-based) calling convention.</summary>
    public const ulong FastBit = 1UL << 16;

    /// <summary>Bit position of the variable header size (bits 26:17).</summary>
    public const int VariableHeaderSizeShift = 17;

    /// <summary>Largest variable header size, in QWORDs (10 bits).</summary>
    public const int MaxVariableHeaderSize = 0x3FF;

    /// <summary>Bit 31, is nested (current TLFS; reserved for L1 guests, docs/hyperv.md#control-word).</summary>
    public const ulong NestedBit = 1UL << 31;

    /// <summary>Bit position of the rep count (bits 43:32).</summary>
    public const int RepCountShift = 32;

    /// <summary>Bit position of the rep start index (bits 59:48).</summary>
    public const int RepStartIndexShift = 48;

    /// <summary>Largest rep count and rep start index (12 bits each).</summary>
    public const int MaxRepCount = 0xFFF;

    /// <summary>RsvdZ bits 30:27.</summary>
    public const ulong ReservedMask0 = 0xFUL << 27;

    /// <summary>RsvdZ bits 47:44.</summary>
    public const ulong ReservedMask1 = 0xFUL << 44;

    /// <summary>RsvdZ bits 63:60.</summary>
    public const ulong ReservedMask2 = 0xFUL << 60;

    /// <summary>Every RsvdZ bit of the input value.</summary>
    public const ulong ReservedMask = ReservedMask0 | ReservedMask1 | ReservedMask2;

    /// <summary>Wraps a raw input value as the guest passed it.</summary>
    public HypercallInput(ulong value)
    {
        Value = value;
    }

    /// <summary>The raw 64-bit input value.</summary>
    public ulong Value { get; }

    /// <summary>Bits 15:0: which hypercall is requested (may be a code <see cref="HvCallCode"/> does not name).</summary>
    public HvCallCode CallCode => (HvCallCode)(ushort)(Value & CallCodeMask);

    /// <summary>Bit 16: the register-based ("fast") calling convention.</summary>
    public bool IsFast => (Value & FastBit) != 0;

    /// <summary>Bits 26:17: size of the variable header in 8-byte units.</summary>
    public int VariableHeaderSize => (int)((Value >> VariableHeaderSizeShift) & MaxVariableHeaderSize);

    /// <summary>Bit 31: is nested.</summary>
    public bool IsNested => (Value & NestedBit) != 0;

    /// <summary>Bits 43:32: total number of reps (zero for a simple call).</summary>
    public int RepCount => (int)((Value >> RepCountShift) & MaxRepCount);

    /// <summary>Bits 59:48: index of the first rep to process (zero for a simple call).</summary>
    public int RepStartIndex => (int)((Value >> RepStartIndexShift) & MaxRepCount);

    /// <summary>True when any RsvdZ bit (30:27, 47:44, 63:60) is set: <see cref="HvStatus.InvalidHypercallInput"/>.</summary>
    public bool HasReservedBitsSet => (Value & ReservedMask) != 0;

    /// <summary>True when a RsvdZ bit or the is-nested bit 31 is set (the Linux/KVM reserved mask, docs/hyperv.md#control-word).</summary>
    public bool HasReservedOrNestedBitsSet => (Value & (ReservedMask | NestedBit)) != 0;

    /// <summary>
    /// Builds an input value field by field (tests, guests assembled in-process). Reserved bits stay zero.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A field does not fit its bit width.</exception>
    public static HypercallInput Create(
        HvCallCode callCode,
        bool isFast = false,
        int variableHeaderSize = 0,
        int repCount = 0,
        int repStartIndex = 0,
        bool isNested = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(variableHeaderSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(variableHeaderSize, MaxVariableHeaderSize);
        ArgumentOutOfRangeException.ThrowIfNegative(repCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(repCount, MaxRepCount);
        ArgumentOutOfRangeException.ThrowIfNegative(repStartIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(repStartIndex, MaxRepCount);

        ulong value = (ushort)callCode
            | (isFast ? FastBit : 0)
            | ((ulong)variableHeaderSize << VariableHeaderSizeShift)
            | (isNested ? NestedBit : 0)
            | ((ulong)repCount << RepCountShift)
            | ((ulong)repStartIndex << RepStartIndexShift);
        return new HypercallInput(value);
    }

    /// <summary>
    /// The same value with bits 59:48 replaced: what a rep call leaves in RCX when it returns early
    /// (TLFS "Hypercall Continuation"; docs/hyperv.md#registers, #rep-calls). Every other bit, reserved ones included, is kept.
    /// </summary>
    public HypercallInput WithRepStartIndex(int repStartIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(repStartIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(repStartIndex, MaxRepCount);
        const ulong fieldMask = (ulong)MaxRepCount << RepStartIndexShift;
        return new HypercallInput((Value & ~fieldMask) | ((ulong)repStartIndex << RepStartIndexShift));
    }

    /// <inheritdoc/>
    public bool Equals(HypercallInput other) => Value == other.Value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is HypercallInput other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Value.GetHashCode();

    /// <summary>Trace form, e.g. <c>HvCallFlushVirtualAddressList rep 3/10 varhdr 0 (0x000A00030003)</c>.</summary>
    public override string ToString() =>
        $"{HvCallCodeInfo.NameOf(CallCode)}{(IsFast ? " fast" : string.Empty)} rep {RepStartIndex}/{RepCount} varhdr {VariableHeaderSize} (0x{Value:X})";

    /// <summary>Equality of the raw values.</summary>
    public static bool operator ==(HypercallInput left, HypercallInput right) => left.Equals(right);

    /// <summary>Inequality of the raw values.</summary>
    public static bool operator !=(HypercallInput left, HypercallInput right) => !left.Equals(right);
}

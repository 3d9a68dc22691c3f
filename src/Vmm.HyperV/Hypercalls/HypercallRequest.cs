using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Hypercalls;

/// <summary>
/// One validated hypercall as a handler sees it: the control word, the copied input block and the output block,
/// and the window of reps to process.
/// </summary>
/// <remarks>
/// <para>
/// By the time a handler gets a request, the dispatcher has checked everything the TLFS defines for all calls:
/// mode and CPL, reserved bits, call code, access, rep fields, variable header, alignment, page crossing and guest
/// RAM. <see cref="Input"/> is a private copy (memory-based calls) or the register values (fast calls), so the
/// guest cannot change it while the handler reads it; handlers still validate the call's own fields (flags,
/// formats, reserved fields inside the input).
/// </para>
/// <para>
/// <see cref="Output"/> spans the whole output block. A simple call's output reaches the guest only on success. A rep
/// call's output element i reaches the guest when rep i completed (also on failure at a later rep, and before a
/// continuation). Bytes the handler does not write are zero, except in a fast rep call, where they hold the
/// current output registers (so a continued call keeps the output of the reps already done).
/// </para>
/// <para>Valid only during <see cref="IHypercall.Invoke"/>: the spans point into per-VP buffers the next call reuses.</para>
/// </remarks>
public readonly ref struct HypercallRequest
{
    private readonly HypercallLayout _layout;

    internal HypercallRequest(
        HypercallInput control,
        int processorIndex,
        HypercallLayout layout,
        ReadOnlySpan<byte> input,
        Span<byte> output,
        int repEndIndex,
        bool usesXmm)
    {
        Control = control;
        ProcessorIndex = processorIndex;
        _layout = layout;
        Input = input;
        Output = output;
        RepEndIndex = repEndIndex;
        UsesXmm = usesXmm;
    }

    /// <summary>The hypercall input value (RCX) as the guest passed it.</summary>
    public HypercallInput Control { get; }

    /// <summary>The call code.</summary>
    public HvCallCode CallCode => Control.CallCode;

    /// <summary>The calling vCPU's index.</summary>
    public int ProcessorIndex { get; }

    /// <summary>True for a register-based ("fast") call.</summary>
    public bool IsFast => Control.IsFast;

    /// <summary>True when the XMM registers carry part of the input or the output (XMM fast hypercall).</summary>
    public bool UsesXmm { get; }

    /// <summary>Size of the variable header, in QWORDs (control word bits 26:17).</summary>
    public int VariableHeaderSize => Control.VariableHeaderSize;

    /// <summary>The first rep to process (control word bits 59:48); zero for a simple call.</summary>
    public int RepStartIndex => Control.RepStartIndex;

    /// <summary>The total rep count (control word bits 43:32); zero for a simple call.</summary>
    public int RepCount => Control.RepCount;

    /// <summary>
    /// One past the last rep to process in this invocation: <see cref="RepCount"/>, or less when the dispatcher caps the
    /// reps per invocation (<see cref="HypercallDispatcherOptions.MaxRepsPerInvocation"/>). Zero for a simple call.
    /// </summary>
    public int RepEndIndex { get; }

    /// <summary>The whole input block: fixed header, variable header, then every rep input element (from rep 0).</summary>
    public ReadOnlySpan<byte> Input { get; }

    /// <summary>The whole output block: a simple call's output, or every rep output element (from rep 0).</summary>
    public Span<byte> Output { get; }

    /// <summary>The fixed input header (<see cref="HypercallLayout.InputSize"/> bytes).</summary>
    public ReadOnlySpan<byte> FixedHeader => Input[.._layout.InputSize];

    /// <summary>The variable header (<see cref="VariableHeaderSize"/> QWORDs), right after the fixed header.</summary>
    public ReadOnlySpan<byte> VariableHeader => Input.Slice(_layout.InputSize, VariableHeaderSize * 8);

    /// <summary>Rep input element <paramref name="index"/> (0 ≤ index &lt; <see cref="RepCount"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the rep list.</exception>
    public ReadOnlySpan<byte> RepInput(int index)
    {
        CheckRepIndex(index);
        int size = _layout.RepInputSize;
        return Input.Slice(_layout.InputSize + (VariableHeaderSize * 8) + (index * size), size);
    }

    /// <summary>Rep output element <paramref name="index"/> (0 ≤ index &lt; <see cref="RepCount"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the rep list.</exception>
    public Span<byte> RepOutput(int index)
    {
        CheckRepIndex(index);
        int size = _layout.RepOutputSize;
        return Output.Slice(index * size, size);
    }

    private void CheckRepIndex(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, RepCount);
    }
}

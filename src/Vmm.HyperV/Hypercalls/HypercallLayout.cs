using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Hypercalls;

/// <summary>
/// The parameter sizes of one hypercall as a handler implements it: what the dispatcher needs to find, check and
/// copy the input and output blocks before the handler runs.
/// </summary>
/// <remarks>
/// <para>
/// Input block = fixed header (<see cref="InputSize"/>) + variable header (control word bits 26:17, in QWORDs)
/// + rep count × <see cref="RepInputSize"/>. Output block = <see cref="OutputSize"/> for a simple call, rep count ×
/// <see cref="RepOutputSize"/> for a rep call (TLFS hypercall-interface.md "Hypercall Classes", "Variable Sized
/// Hypercall Input Headers"; docs/hyperv.md#input-rules, #rep-calls).
/// </para>
/// <para>
/// Every size is a multiple of 8 bytes: the TLFS pads headers and rep elements to 8 bytes and wants the first rep
/// element 8-byte aligned (docs/hyperv.md#input-rules). The class (simple or rep) must match <see cref="HvCallCodeInfo"/>.
/// </para>
/// </remarks>
public readonly record struct HypercallLayout
{
    /// <summary>The largest block a memory-based call can pass: one 4 KiB page (TLFS "Alignment Requirements").</summary>
    public const int MaxBlockSize = 4096;

    private HypercallLayout(HvCallCode code, bool isRep, int inputSize, int outputSize, int repInputSize, int repOutputSize)
    {
        Code = code;
        IsRep = isRep;
        InputSize = inputSize;
        OutputSize = outputSize;
        RepInputSize = repInputSize;
        RepOutputSize = repOutputSize;
    }

    /// <summary>The call code.</summary>
    public HvCallCode Code { get; }

    /// <summary>True for a rep call.</summary>
    public bool IsRep { get; }

    /// <summary>Bytes of the fixed input header (the whole input of a simple call without a variable header).</summary>
    public int InputSize { get; }

    /// <summary>Bytes of output of a simple call; zero for a rep call.</summary>
    public int OutputSize { get; }

    /// <summary>Bytes of one rep input element; zero for a simple call.</summary>
    public int RepInputSize { get; }

    /// <summary>Bytes of one rep output element; zero for a simple call.</summary>
    public int RepOutputSize { get; }

    /// <summary>Describes a simple call: a fixed input header of <paramref name="inputSize"/> bytes and <paramref name="outputSize"/> bytes of output.</summary>
    /// <exception cref="ArgumentException"><paramref name="code"/> is unknown or a rep call.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative, above 4096 or not a multiple of 8.</exception>
    public static HypercallLayout Simple(HvCallCode code, int inputSize, int outputSize = 0)
    {
        CheckClass(code, isRep: false);
        CheckSize(inputSize, nameof(inputSize));
        CheckSize(outputSize, nameof(outputSize));
        return new HypercallLayout(code, isRep: false, inputSize, outputSize, 0, 0);
    }

    /// <summary>
    /// Describes a rep call: a fixed header of <paramref name="headerSize"/> bytes, then rep input elements of
    /// <paramref name="repInputSize"/> bytes; each rep writes <paramref name="repOutputSize"/> bytes of output.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="code"/> is unknown or a simple call, or both element sizes are zero.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative, above 4096 or not a multiple of 8.</exception>
    public static HypercallLayout Rep(HvCallCode code, int headerSize, int repInputSize, int repOutputSize = 0)
    {
        CheckClass(code, isRep: true);
        CheckSize(headerSize, nameof(headerSize));
        CheckSize(repInputSize, nameof(repInputSize));
        CheckSize(repOutputSize, nameof(repOutputSize));
        if (repInputSize == 0 && repOutputSize == 0)
        {
            throw new ArgumentException("A rep call needs a rep input or a rep output element.", nameof(repInputSize));
        }

        return new HypercallLayout(code, isRep: true, headerSize, 0, repInputSize, repOutputSize);
    }

    private static void CheckClass(HvCallCode code, bool isRep)
    {
        if (!HvCallCodeInfo.TryGet(code, out HvCallCodeInfo info))
        {
            throw new ArgumentException($"Call code 0x{(ushort)code:X4} is not a known hypercall.", nameof(code));
        }

        if (info.IsRep != isRep)
        {
            throw new ArgumentException(
                $"{info.Name} is a {(info.IsRep ? "rep" : "simple")} call; use HypercallLayout.{(info.IsRep ? nameof(Rep) : nameof(Simple))}.",
                nameof(code));
        }
    }

    private static void CheckSize(int size, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size, name);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, MaxBlockSize, name);
        if ((size & 7) != 0)
        {
            throw new ArgumentOutOfRangeException(name, size, "Hypercall parameter sizes are padded to multiples of 8 bytes (TLFS).");
        }
    }
}

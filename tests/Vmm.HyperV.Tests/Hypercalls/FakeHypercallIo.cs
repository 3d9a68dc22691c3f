using Vmm.Core.Hypervisor;

namespace Vmm.HyperV.Tests.Hypercalls;

/// <summary>
/// Registers and endings of one hypercall, in memory. Records without allocating (counters and last values only),
/// so the allocation test can use it too.
/// </summary>
public sealed class FakeHypercallIo : IHypercallIo
{
    public const ulong DefaultRip = 0xFFFF_F800_0012_3450;

    private readonly UInt128[] _xmm = new UInt128[6];

    public int ProcessorIndex { get; set; }

    public ulong Control { get; set; }

    public ulong InputValue { get; set; }

    public ulong OutputValue { get; set; }

    public ulong InstructionPointer { get; set; } = DefaultRip;

    public int Cpl { get; set; }

    public bool IsProtectedMode { get; set; } = true;

    public bool IsLongMode { get; set; } = true;

    /// <summary>What <see cref="TryGetCallerRegisters"/> reports; null: the transport has none (the interface default).</summary>
    public (ulong Rsp, ulong Cr3)? CallerRegisters { get; set; }

    public bool TryGetCallerRegisters(out ulong stackPointer, out ulong pageTableBase)
    {
        (stackPointer, pageTableBase) = CallerRegisters ?? (0, 0);
        return CallerRegisters is not null;
    }

    public int Completions { get; private set; }

    public int Continuations { get; private set; }

    public int InvalidOpcodes { get; private set; }

    public int Endings => Completions + Continuations + InvalidOpcodes;

    public ulong LastResult { get; private set; }

    public ulong LastContinueControl { get; private set; }

    public int XmmReads { get; private set; }

    /// <summary>Bit i set: XMMi was written.</summary>
    public int XmmWriteMask { get; private set; }

    public UInt128 this[int xmm]
    {
        get => _xmm[xmm];
        set => _xmm[xmm] = value;
    }

    /// <summary>Clears the endings and XMM bookkeeping; registers stay.</summary>
    public void ResetEndings()
    {
        Completions = 0;
        Continuations = 0;
        InvalidOpcodes = 0;
        LastResult = 0;
        LastContinueControl = 0;
        XmmReads = 0;
        XmmWriteMask = 0;
    }

    public UInt128 GetXmm(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, 5);
        XmmReads++;
        return _xmm[index];
    }

    public void SetXmm(int index, UInt128 value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, 5);
        XmmWriteMask |= 1 << index;
        _xmm[index] = value;
    }

    public void Complete(ulong result)
    {
        Completions++;
        LastResult = result;
    }

    public void Continue(ulong control)
    {
        Continuations++;
        LastContinueControl = control;
    }

    public void InjectInvalidOpcode() => InvalidOpcodes++;
}

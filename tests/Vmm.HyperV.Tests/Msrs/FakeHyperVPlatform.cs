using Vmm.HyperV.Msrs;

namespace Vmm.HyperV.Tests.Msrs;

/// <summary>A platform with a settable guest TSC (the same on every VP unless skewed), fixed frequencies and a reset counter.</summary>
public sealed class FakeHyperVPlatform : IHyperVPlatform
{
    public const ulong DefaultTscFrequency = 2_500_000_000;
    public const ulong DefaultApicTimerFrequency = 1_000_000_000;

    private readonly int[] _tscReads;

    public FakeHyperVPlatform(int processorCount = 4)
    {
        _tscReads = new int[processorCount];
    }

    public ulong TscFrequency { get; set; } = DefaultTscFrequency;

    public ulong ApicTimerFrequency { get; set; } = DefaultApicTimerFrequency;

    private ulong _tsc;

    /// <summary>The guest TSC every VP reads (one clock shared by all VPs, safe to read from several threads).</summary>
    public ulong Tsc
    {
        get => Volatile.Read(ref _tsc);
        set => Volatile.Write(ref _tsc, value);
    }

    /// <summary>Added to <see cref="Tsc"/> after each read, to model time passing between two reads.</summary>
    public ulong TscStepPerRead { get; set; }

    /// <summary>Runs inside <see cref="ReadGuestTsc"/> after the value is taken: another VP can act "between two instructions".</summary>
    public Action<int>? AfterTscRead { get; set; }

    public int ResetRequests { get; private set; }

    /// <summary>How often each VP's TSC was read.</summary>
    public IReadOnlyList<int> TscReads => _tscReads;

    public ulong ReadGuestTsc(int processorIndex)
    {
        _tscReads[processorIndex]++;                                        // each VP on its own thread: no race
        ulong step = TscStepPerRead;
        ulong tsc = Interlocked.Add(ref _tsc, step) - step;
        AfterTscRead?.Invoke(processorIndex);
        return tsc;
    }

    public ulong GetRunTime(int processorIndex) => 1_000_000UL * (ulong)(processorIndex + 1);

    public void RequestReset() => ResetRequests++;
}

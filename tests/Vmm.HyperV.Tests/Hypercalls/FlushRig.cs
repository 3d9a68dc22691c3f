using Vmm.Core.Memory;
using Vmm.Core.TlbFlush;
using Vmm.HyperV.Cpuid;
using Vmm.HyperV.Hypercalls;
using Vmm.HyperV.TlbFlush;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Tests.Hypercalls;

/// <summary>How a test passes hypercall input: a memory page (RDX = GPA) or registers (RDX, R8, XMM0-5).</summary>
public enum InputForm
{
    Memory,
    Fast,
}

/// <summary>Records every request the engine receives as "flush req=R {targets}" ("all(5)" for every vCPU).</summary>
public sealed class RecordingTlbFlushEngine : ITlbFlushEngine
{
    public List<string> Calls { get; } = [];

    /// <summary>What the engine reports: false as when a target's thread is gone.</summary>
    public bool Complete { get; set; } = true;

    public string StrategyName => "recording";

    public TlbFlushResult Flush(int requester, in TlbFlushRequest request)
    {
        string targets = request.AllVcpus ? $"all({FlushRig.VcpuCount})" : request.ToString();
        Calls.Add($"flush req={requester} {targets}");
        return new TlbFlushResult(request.CountIn(FlushRig.VcpuCount), 0, TimeSpan.Zero, Complete);
    }
}

/// <summary>Records every interrupt as "vcpu:vector".</summary>
public sealed class RecordingIpiSender : ISyntheticIpiSender
{
    public List<string> Sent { get; } = [];

    public void SendFixedInterrupt(int vcpu, byte vector) => Sent.Add($"{vcpu}:0x{vector:X2}");
}

/// <summary>
/// A dispatcher with the flush and IPI handlers registered through <see cref="FlushHypercalls.RegisterAll"/>, 1 MiB of
/// RAM, five vCPUs with VP indices 0, 1, 65, 130, 4095, and helpers that issue a call in either input form.
/// </summary>
public sealed class FlushRig : IDisposable
{
    public const ulong InputPage = 0x1000;
    public const int VcpuCount = 5;
    public const string Profile = "windows,+ipi";

    /// <summary>VP index of each vCPU: bank 0 (VPs 0, 1), bank 1 (65), bank 2 (130), bank 63 (4095).</summary>
    public static readonly int[] VpIndices = [0, 1, 65, 130, 4095];

    public FlushRig(bool xmmInput = true, int maxRepsPerInvocation = 0, bool extendedGvaRanges = false, string profile = Profile, ITlbFlushEngine? service = null, ISyntheticIpiSender? sender = null)
    {
        Memory = GuestMemory.CreateNative(1 << 20);
        Dispatcher = new HypercallDispatcher(
            HyperVFeatureProfile.Parse(profile),
            Memory,
            VcpuCount,
            tracer: null,
            new HypercallDispatcherOptions { XmmInput = xmmInput, MaxRepsPerInvocation = maxRepsPerInvocation });
        Map = VpIndexMap.FromVpIndices(VpIndices);
        FlushHypercalls.RegisterAll(Dispatcher, service ?? Service, sender ?? Ipi, Map, extendedGvaRanges);
    }

    public GuestMemory Memory { get; }

    public HypercallDispatcher Dispatcher { get; }

    public VpIndexMap Map { get; }

    public RecordingTlbFlushEngine Service { get; } = new();

    public RecordingIpiSender Ipi { get; } = new();

    public FakeHypercallIo Io { get; } = new();

    public HvStatus Status => (HvStatus)(Io.LastResult & 0xFFFF);

    public int RepsCompleted => (int)((Io.LastResult >> 32) & 0xFFF);

    /// <summary>Next rep start index of the last continuation.</summary>
    public int ContinuedAt => new HypercallInput(Io.LastContinueControl).RepStartIndex;

    /// <summary>True when <paramref name="qwords"/> fits the 112 bytes of RDX, R8, XMM0-XMM5.</summary>
    public static bool FitsFast(int qwords) => qwords <= 14;

    /// <summary>Writes the input (memory form) or loads the registers (fast form) and runs one call.</summary>
    public void Call(HvCallCode code, InputForm form, ReadOnlySpan<ulong> input, int variableHeader = 0, int repCount = 0, int repStart = 0, int processor = 0)
    {
        bool fast = form == InputForm.Fast;
        Io.Control = HypercallInput.Create(code, fast, variableHeader, repCount, repStart).Value;
        Io.ProcessorIndex = processor;
        Io.Cpl = 0;
        if (fast)
        {
            if (!FitsFast(input.Length))
            {
                throw new ArgumentException("Too much input for a fast call.", nameof(input));
            }

            Span<ulong> q = stackalloc ulong[14];
            q.Clear();
            input.CopyTo(q);
            Io.InputValue = q[0];
            Io.OutputValue = q[1];
            for (int x = 0; x < 6; x++)
            {
                Io[x] = new UInt128(q[3 + (2 * x)], q[2 + (2 * x)]);
            }
        }
        else
        {
            for (int i = 0; i < input.Length; i++)
            {
                Memory.Write(InputPage + ((ulong)i * 8), input[i]);
            }

            Io.InputValue = InputPage;
            Io.OutputValue = 0;
        }

        Io.ResetEndings();
        Dispatcher.Hypercall(Io);
    }

    /// <summary>Re-executes the last call from its continuation (RCX as the dispatcher left it).</summary>
    public void Resume()
    {
        Io.Control = Io.LastContinueControl;
        Io.ResetEndings();
        Dispatcher.Hypercall(Io);
    }

    public void Dispose() => Memory.Dispose();
}

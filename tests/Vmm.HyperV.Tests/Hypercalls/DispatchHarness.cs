using System.Buffers.Binary;
using Vmm.Core.Memory;
using Vmm.HyperV.Cpuid;
using Vmm.HyperV.Hypercalls;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Tests.Hypercalls;

/// <summary>
/// 1 MiB of guest RAM laid out for the dispatcher tests, a dispatcher with the test handlers registered, and a fake IO.
/// </summary>
/// <remarks>
/// <code>
/// 0x1000  flush-list input: 24-byte header, then reps 0..15 = (i + 1) &lt;&lt; 12
/// 0x2000  APIC input: 16-byte header, then reps i = APIC ID 0x10 + i
/// 0x3000  flush-list input, rep 2 = FailMarker
/// 0x4000  flush-list input, reps 2 and 4 = ContinueMarker
/// 0x5000  flush-list-Ex input: 32-byte header, 1 variable-header QWORD (bank 0 = 0x3), then reps as at 0x1000
/// 0x6000  output page, filled with 0xEE
/// 0x7000  swap input: 0x1111, 0x2222
/// 0x8000  APIC input, rep 2 = BadApicId
/// 0x9000  swap input: FailMarker, 0x2222
/// </code>
/// </remarks>
public sealed class DispatchHarness : IDisposable
{
    public const ulong RamSize = 1 << 20;
    public const ulong ListInput = 0x1000;
    public const ulong ApicInput = 0x2000;
    public const ulong FailInput = 0x3000;
    public const ulong ContinueInput = 0x4000;
    public const ulong ExInput = 0x5000;
    public const ulong OutputPage = 0x6000;
    public const ulong SwapInput = 0x7000;
    public const ulong ApicFailInput = 0x8000;
    public const ulong SwapFailInput = 0x9000;
    public const ulong AddressSpace = 0x1234_5000;
    public const ulong BankZero = 0x3;
    public const byte OutputFill = 0xEE;

    public DispatchHarness(
        string profile = "windows",
        bool xmmInput = false,
        bool xmmOutput = false,
        int maxRepsPerInvocation = 0,
        IHypercallTracer? tracer = null,
        int vpCount = 4,
        bool register = true)
    {
        Memory = GuestMemory.CreateNative(RamSize);
        FillMemory(Memory);
        Dispatcher = new HypercallDispatcher(
            HyperVFeatureProfile.Parse(profile),
            Memory,
            vpCount,
            tracer,
            new HypercallDispatcherOptions { XmmInput = xmmInput, XmmOutput = xmmOutput, MaxRepsPerInvocation = maxRepsPerInvocation });
        if (register)
        {
            Dispatcher
                .Register(SpinWait)
                .Register(List)
                .Register(ListEx)
                .Register(Apic)
                .Register(Swap);
        }

        ResetXmm();
    }

    public GuestMemory Memory { get; }

    public HypercallDispatcher Dispatcher { get; }

    public FakeHypercallIo Io { get; } = new();

    public NotifyLongSpinWaitHypercall SpinWait { get; } = new();

    public ScriptedRepHypercall List { get; } = new(HvCallCode.HvCallFlushVirtualAddressList, headerSize: 24);

    public ScriptedRepHypercall ListEx { get; } = new(HvCallCode.HvCallFlushVirtualAddressListEx, headerSize: 32);

    public ApicToVpHypercall Apic { get; } = new();

    public SwapHypercall Swap { get; } = new();

    /// <summary>Calls to the scripted test handlers so far (not the spin-wait handler, which keeps no count).</summary>
    public int HandlerInvocations => List.Invocations + ListEx.Invocations + Apic.Invocations + Swap.Invocations;

    /// <summary>Default XMM contents for fast flush-list calls: XMMk = (low (2k+1) &lt;&lt; 12, high (2k+2) &lt;&lt; 12).</summary>
    public static UInt128 DefaultXmm(int index) =>
        new((ulong)((2 * index) + 2) << 12, (ulong)((2 * index) + 1) << 12);

    public void ResetXmm()
    {
        for (int i = 0; i < 6; i++)
        {
            Io[i] = DefaultXmm(i);
        }
    }

    /// <summary>Sets the registers and runs one call.</summary>
    public void Call(ulong control, ulong rdx = 0, ulong r8 = 0, int cpl = 0, bool protectedMode = true, bool longMode = true, int processor = 0)
    {
        Io.Control = control;
        Io.InputValue = rdx;
        Io.OutputValue = r8;
        Io.Cpl = cpl;
        Io.IsProtectedMode = protectedMode;
        Io.IsLongMode = longMode;
        Io.ProcessorIndex = processor;
        Io.ResetEndings();
        Dispatcher.Hypercall(Io);
    }

    public ulong ReadQword(ulong gpa) => Memory.Read<ulong>(gpa);

    public void Dispose() => Memory.Dispose();

    private static void FillMemory(GuestMemory memory)
    {
        WriteListInput(memory, ListInput);
        WriteListInput(memory, FailInput);
        memory.Write(FailInput + 24 + (2 * 8), Script.FailMarker);
        WriteListInput(memory, ContinueInput);
        memory.Write(ContinueInput + 24 + (2 * 8), Script.ContinueMarker);
        memory.Write(ContinueInput + 24 + (4 * 8), Script.ContinueMarker);

        memory.Write(ExInput, AddressSpace);
        memory.Write(ExInput + 8, 0UL);  // flags
        memory.Write(ExInput + 16, 0UL); // HV_GENERIC_SET_SPARSE_4K
        memory.Write(ExInput + 24, 1UL); // ValidBanksMask: bank 0
        memory.Write(ExInput + 32, BankZero);
        for (int i = 0; i < 16; i++)
        {
            memory.Write(ExInput + 40 + ((ulong)i * 8), (ulong)(i + 1) << 12);
        }

        WriteApicInput(memory, ApicInput);
        WriteApicInput(memory, ApicFailInput);
        memory.Write(ApicFailInput + 16 + (2 * 8), (ulong)Script.BadApicId);

        memory.GetSpan(OutputPage, 4096).Fill(OutputFill);
        memory.Write(SwapInput, 0x1111UL);
        memory.Write(SwapInput + 8, 0x2222UL);
        memory.Write(SwapFailInput, Script.FailMarker);
        memory.Write(SwapFailInput + 8, 0x2222UL);
    }

    private static void WriteListInput(GuestMemory memory, ulong gpa)
    {
        memory.Write(gpa, AddressSpace);
        memory.Write(gpa + 8, 0UL);  // flags
        memory.Write(gpa + 16, 1UL); // processor mask: VP 0
        for (int i = 0; i < 16; i++)
        {
            memory.Write(gpa + 24 + ((ulong)i * 8), (ulong)(i + 1) << 12);
        }
    }

    private static void WriteApicInput(GuestMemory memory, ulong gpa)
    {
        Span<byte> header = memory.GetSpan(gpa, 16);
        BinaryPrimitives.WriteUInt64LittleEndian(header, ulong.MaxValue); // HV_PARTITION_ID_SELF
        BinaryPrimitives.WriteUInt64LittleEndian(header[8..], 0);         // target VTL
        for (int i = 0; i < 16; i++)
        {
            memory.Write(gpa + 16 + ((ulong)i * 8), (ulong)(ApicToVpHypercall.FirstApicId + (uint)i));
        }
    }
}

using System.Buffers.Binary;
using Vmm.Core.Memory;
using Vmm.HyperV.Cpuid;
using Vmm.HyperV.Hypercalls;
using Vmm.HyperV.Tlfs;
using static Vmm.HyperV.Tests.Hypercalls.DispatchHarness;

namespace Vmm.HyperV.Tests.Hypercalls;

/// <summary>Output write-back, continuation across invocations, the handler contract, registration and tracing.</summary>
public sealed class HypercallDispatcherTests
{
    private static readonly ulong s_apic3 = HypercallInput.Create(HvCallCode.HvCallGetVpIndexFromApicId, repCount: 3).Value;

    [Fact]
    public void RepOutputIsWrittenForEveryCompletedRepAndNothingElse()
    {
        using var h = new DispatchHarness();

        h.Call(s_apic3, ApicInput, OutputPage);

        Assert.Equal(new HypercallResult(HvStatus.Success, 3).Value, h.Io.LastResult);
        Assert.Equal([0UL, 1UL, 2UL], [h.ReadQword(OutputPage), h.ReadQword(OutputPage + 8), h.ReadQword(OutputPage + 16)]);
        Assert.Equal(0xEEEE_EEEE_EEEE_EEEEUL, h.ReadQword(OutputPage + 24));
    }

    [Fact]
    public void FailedRepCallWritesTheOutputOfTheRepsBeforeTheError()
    {
        using var h = new DispatchHarness();

        h.Call(s_apic3, ApicFailInput, OutputPage);

        Assert.Equal(new HypercallResult(HvStatus.InvalidParameter, 2).Value, h.Io.LastResult);
        Assert.Equal(0UL, h.ReadQword(OutputPage));
        Assert.Equal(1UL, h.ReadQword(OutputPage + 8));
        Assert.Equal(0xEEEE_EEEE_EEEE_EEEEUL, h.ReadQword(OutputPage + 16));
    }

    [Fact]
    public void ContinuedRepCallWritesEachWindowAndCompletesOnTheLastInvocation()
    {
        using var h = new DispatchHarness(maxRepsPerInvocation: 2);

        h.Call(s_apic3, ApicInput, OutputPage);
        Assert.Equal(1, h.Io.Continuations);
        Assert.Equal(0, h.Io.Completions);
        Assert.Equal(1UL, h.ReadQword(OutputPage + 8));
        Assert.Equal(0xEEEE_EEEE_EEEE_EEEEUL, h.ReadQword(OutputPage + 16));

        // The guest re-executes the call with RCX as the dispatcher left it (TLFS "Hypercall Continuation").
        h.Call(h.Io.LastContinueControl, ApicInput, OutputPage);
        Assert.Equal(new HypercallResult(HvStatus.Success, 3).Value, h.Io.LastResult);
        Assert.Equal(2UL, h.ReadQword(OutputPage + 16));
        Assert.Equal(2, h.Apic.Invocations);
    }

    [Fact]
    public void HandlerDrivenContinuationRunsToCompletionWhenTheGuestReissues()
    {
        using var h = new DispatchHarness();
        ulong control = HypercallInput.Create(HvCallCode.HvCallFlushVirtualAddressList, repCount: 5).Value;
        int[] starts = new int[3];

        for (int i = 0; i < 3; i++)
        {
            h.Call(control, ContinueInput);
            starts[i] = h.List.LastStart;
            control = h.Io.Continuations == 1 ? h.Io.LastContinueControl : control;
        }

        Assert.Equal([0, 2, 4], starts);
        Assert.Equal(new HypercallResult(HvStatus.Success, 5).Value, h.Io.LastResult);
    }

    [Fact]
    public void SimpleCallOutputReachesTheGuestOnlyOnSuccess()
    {
        using var h = new DispatchHarness();
        ulong control = HypercallInput.Create(HvCallCode.HvCallSwitchVirtualAddressSpace).Value;

        h.Call(control, SwapFailInput, OutputPage);
        Assert.Equal(new HypercallResult(HvStatus.InvalidParameter).Value, h.Io.LastResult);
        Assert.Equal(0xEEEE_EEEE_EEEE_EEEEUL, h.ReadQword(OutputPage));

        h.Call(control, SwapInput, OutputPage);
        Assert.Equal(HypercallResult.Success.Value, h.Io.LastResult);
        Assert.Equal(0x2222UL, h.ReadQword(OutputPage));
        Assert.Equal(0x1111UL, h.ReadQword(OutputPage + 8));
    }

    [Fact]
    public void FastOutputGoesToTheXmmRegistersAfterTheInput()
    {
        using var h = new DispatchHarness(xmmOutput: true);

        // 16 bytes of input (RDX, R8) → output from XMM0 (TLFS "XMM Fast Hypercall Output").
        h.Call(HypercallInput.Create(HvCallCode.HvCallSwitchVirtualAddressSpace, isFast: true).Value, 0x1111, 0x2222);

        Assert.Equal(HypercallResult.Success.Value, h.Io.LastResult);
        Assert.Equal(0b1, h.Io.XmmWriteMask);
        Assert.Equal(new UInt128(0x1111, 0x2222), h.Io[0]);
    }

    [Fact]
    public void FailedFastSimpleCallWritesNoRegisters()
    {
        using var h = new DispatchHarness(xmmOutput: true);

        h.Call(HypercallInput.Create(HvCallCode.HvCallSwitchVirtualAddressSpace, isFast: true).Value, Script.FailMarker, 0x2222);

        Assert.Equal(new HypercallResult(HvStatus.InvalidParameter).Value, h.Io.LastResult);
        Assert.Equal(0, h.Io.XmmWriteMask);
    }

    [Fact]
    public void XmmFastInputIsReadAsRdxR8ThenXmm0ToXmm5()
    {
        using var h = new DispatchHarness(xmmInput: true);
        h.Io[0] = new UInt128(0x2000, 0x7); // low QWORD: processor mask; high QWORD: rep 0

        h.Call(HypercallInput.Create(HvCallCode.HvCallFlushVirtualAddressList, isFast: true, repCount: 3).Value, AddressSpace, 0);

        Assert.Equal(new HypercallResult(HvStatus.Success, 3).Value, h.Io.LastResult);
        Assert.Equal(AddressSpace, h.List.LastFirstHeaderQword);
        Assert.True(h.List.LastUsedXmm);
        Assert.Equal(2, h.Io.XmmReads); // XMM0, XMM1: only the registers the 48-byte input occupies
    }

    [Fact]
    public void ContinuedFastRepCallKeepsTheOutputOfEarlierRepsInASharedRegister()
    {
        using var h = new DispatchHarness(xmmInput: true, xmmOutput: true, maxRepsPerInvocation: 1);
        h.Io[0] = new UInt128(0x15, 0x12); // rep 0: APIC 0x12, rep 1: APIC 0x15
        h.Io[1] = new UInt128(0xAAAA, 0xBBBB);
        ulong control = HypercallInput.Create(HvCallCode.HvCallGetVpIndexFromApicId, isFast: true, repCount: 2).Value;

        // 32 bytes in (RDX:R8, XMM0), 16 bytes out: both reps share XMM1.
        h.Call(control);
        Assert.Equal(1, h.Io.Continuations);
        Assert.Equal(new UInt128(0xAAAA, 0x2), h.Io[1]);

        h.Call(h.Io.LastContinueControl);
        Assert.Equal(new HypercallResult(HvStatus.Success, 2).Value, h.Io.LastResult);
        Assert.Equal(new UInt128(0x5, 0x2), h.Io[1]);
    }

    [Fact]
    public void VariableHeaderFollowsTheFixedHeader()
    {
        using var h = new DispatchHarness();

        h.Call(HypercallInput.Create(HvCallCode.HvCallFlushVirtualAddressListEx, variableHeaderSize: 1, repCount: 2).Value, ExInput);

        Assert.Equal(new HypercallResult(HvStatus.Success, 2).Value, h.Io.LastResult);
        Assert.Equal(BankZero, h.ListEx.LastFirstVariableQword);
    }

    [Fact]
    public void HandlerSeesACopyTheGuestCannotChangeDuringTheCall()
    {
        using var h = new DispatchHarness(register: false);
        var tamper = new TamperingHypercall(h.Memory, SwapInput);
        h.Dispatcher.Register(tamper);

        h.Call(HypercallInput.Create(HvCallCode.HvCallSwitchVirtualAddressSpace).Value, SwapInput, OutputPage);

        Assert.Equal(HypercallResult.Success.Value, h.Io.LastResult);
        Assert.Equal(0x1111UL, tamper.Before);
        Assert.Equal(0x1111UL, tamper.After);
        Assert.Equal(0xBADUL, h.ReadQword(SwapInput));
    }

    [Fact]
    public void ReportsTheCallingProcessorToTheHandler()
    {
        using var h = new DispatchHarness();

        h.Call(HypercallInput.Create(HvCallCode.HvCallFlushVirtualAddressList, repCount: 1).Value, ListInput, processor: 3);

        Assert.Equal(3, h.List.LastProcessor);
    }

    public static TheoryData<string, bool, int> BrokenOutcomes => new()
    {
        { "continuation of a simple call", false, 0 },
        { "failure of a simple call at rep 1", false, 1 },
        { "continuation without progress", true, 0 },
        { "continuation past the rep count", true, 1 },
        { "failure before the rep start", true, 2 },
        { "failure at the rep end", true, 3 },
    };

    [Theory]
    [MemberData(nameof(BrokenOutcomes))]
    public void HandlerBreakingTheOutcomeRulesThrowsAndEndsNothing(string name, bool rep, int which)
    {
        Assert.NotNull(name);
        HypercallOutcome outcome = (rep, which) switch
        {
            (false, 0) => HypercallOutcome.ContinueAt(1),
            (false, _) => HypercallOutcome.Failure(HvStatus.InvalidParameter, 1),
            (true, 0) => HypercallOutcome.ContinueAt(1),
            (true, 1) => HypercallOutcome.ContinueAt(5),
            (true, 2) => HypercallOutcome.Failure(HvStatus.InvalidParameter, 0),
            _ => HypercallOutcome.Failure(HvStatus.InvalidParameter, 5),
        };
        HypercallLayout layout = rep
            ? HypercallLayout.Rep(HvCallCode.HvCallFlushVirtualAddressList, 24, 8)
            : HypercallLayout.Simple(HvCallCode.HvCallNotifyLongSpinWait, 8);
        using var h = new DispatchHarness(register: false);
        h.Dispatcher.Register(new FixedOutcomeHypercall(layout, outcome));
        ulong control = rep
            ? HypercallInput.Create(HvCallCode.HvCallFlushVirtualAddressList, repCount: 5, repStartIndex: 1).Value
            : HypercallInput.Create(HvCallCode.HvCallNotifyLongSpinWait, isFast: true).Value;

        Assert.Throws<InvalidOperationException>(() => h.Call(control, ListInput));
        Assert.Equal(0, h.Io.Endings);
    }

    [Fact]
    public void RegistrationRejectsDuplicatesAndLateHandlers()
    {
        using var h = new DispatchHarness();

        Assert.Throws<ArgumentException>(() => h.Dispatcher.Register(new NotifyLongSpinWaitHypercall()));
        h.Call(HypercallInput.Create(HvCallCode.HvCallNotifyLongSpinWait, isFast: true).Value);
        Assert.Throws<InvalidOperationException>(() => h.Dispatcher.Register(
            new FixedOutcomeHypercall(HypercallLayout.Simple(HvCallCode.HvCallFlushVirtualAddressSpace, 24), HypercallOutcome.Success)));
    }

    [Fact]
    public void RegistrationRejectsAHandlerWithoutALayout()
    {
        using var h = new DispatchHarness(register: false);

        Assert.Throws<ArgumentException>(() => h.Dispatcher.Register(new FixedOutcomeHypercall(default, HypercallOutcome.Success)));
    }

    [Fact]
    public void LayoutsFollowTheTlfsClassAndPadding()
    {
        Assert.Throws<ArgumentException>(() => HypercallLayout.Simple(HvCallCode.HvCallFlushVirtualAddressList, 24));
        Assert.Throws<ArgumentException>(() => HypercallLayout.Rep(HvCallCode.HvCallFlushVirtualAddressSpace, 24, 8));
        Assert.Throws<ArgumentException>(() => HypercallLayout.Rep(HvCallCode.HvCallFlushVirtualAddressList, 24, 0));
        Assert.Throws<ArgumentException>(() => HypercallLayout.Simple((HvCallCode)0x4, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => HypercallLayout.Simple(HvCallCode.HvCallNotifyLongSpinWait, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => HypercallLayout.Simple(HvCallCode.HvCallNotifyLongSpinWait, 4104));
    }

    [Fact]
    public void RejectsAProcessorIndexOfNoVcpu()
    {
        using var h = new DispatchHarness(vpCount: 2);

        Assert.Throws<ArgumentOutOfRangeException>(() => h.Call(HypercallInput.Create(HvCallCode.HvCallNotifyLongSpinWait, isFast: true).Value, processor: 2));
        Assert.Equal(0, h.Io.Endings);
    }

    public static TheoryData<HvCallCode> KnownCodes => new(HvCallCodeInfo.All.Select(i => i.Code));

    [Theory]
    [MemberData(nameof(KnownCodes))]
    public void EveryKnownCodeWithoutAHandlerIsDeniedOrInvalid(HvCallCode code)
    {
        using var memory = GuestMemory.CreateNative(1 << 16);
        foreach (HyperVFeatureProfile profile in new[] { HyperVFeatureProfile.None, HyperVFeatureProfile.Linux, HyperVFeatureProfile.Windows })
        {
            var dispatcher = new HypercallDispatcher(profile, memory, 1);
            var io = new FakeHypercallIo { Control = HypercallInput.Create(code, isFast: true).Value };

            dispatcher.Hypercall(io);

            HvStatus expected = dispatcher.IsOffered(code) ? HvStatus.InvalidHypercallCode : HvStatus.AccessDenied;
            Assert.Equal(new HypercallResult(expected).Value, io.LastResult);
        }
    }

    [Fact]
    public void XmmFollowsTheProfileUnlessOverridden()
    {
        using var memory = GuestMemory.CreateNative(1 << 16);

        var byProfile = new HypercallDispatcher(HyperVFeatureProfile.Linux, memory, 1);
        var windows = new HypercallDispatcher(HyperVFeatureProfile.Windows, memory, 1);
        var overridden = new HypercallDispatcher(
            HyperVFeatureProfile.Linux, memory, 1, options: new HypercallDispatcherOptions { XmmInput = true, XmmOutput = true });

        Assert.False(byProfile.AcceptsXmmInput || byProfile.ReturnsXmmOutput);
        Assert.True(windows.AcceptsXmmInput);                 // `xmm` is in the windows profile (CPUID 0x40000003.EDX bit 4)
        Assert.False(windows.ReturnsXmmOutput);               // output through XMM is never advertised
        Assert.True(overridden.AcceptsXmmInput && overridden.ReturnsXmmOutput);
    }

    [Fact]
    public void TracerGetsOneRecordPerCallWithWhatHappened()
    {
        var tracer = new RecordingTracer();
        using var h = new DispatchHarness(xmmInput: true, maxRepsPerInvocation: 2, tracer: tracer);
        h.Io.InstructionPointer = 0xFFFF_F800_0000_1000;
        ulong control = HypercallInput.Create(HvCallCode.HvCallFlushVirtualAddressList, isFast: true, repCount: 3).Value;

        DateTime before = DateTime.UtcNow;
        h.Call(control, AddressSpace, 0, processor: 2);
        h.Call(h.Io.LastContinueControl, AddressSpace, 0, processor: 2);
        h.Call(HypercallInput.Create(HvCallCode.HvCallNotifyLongSpinWait, isFast: true).Value, cpl: 3);

        Assert.Equal(3, tracer.Records.Count);
        HypercallTraceRecord first = tracer.Records[0];
        Assert.InRange(first.Timestamp, before, DateTime.UtcNow);
        Assert.Equal(DateTimeKind.Utc, first.Timestamp.Kind);
        Assert.Equal(2, first.ProcessorIndex);
        Assert.Equal(HvCallCode.HvCallFlushVirtualAddressList, first.CallCode);
        Assert.Equal("HvCallFlushVirtualAddressList", first.Name);
        Assert.True(first.IsFast);
        Assert.True(first.UsesXmm);
        Assert.True(first.IsRep);
        Assert.Equal(0, first.VariableHeaderSize);
        Assert.Equal(0, first.RepStartIndex);
        Assert.Equal(3, first.RepCount);
        Assert.True(first.IsContinued);
        Assert.Equal(HvStatus.Success, first.Status);
        Assert.Equal(2, first.RepsCompleted);
        Assert.True(first.DurationMicroseconds >= 0);
        Assert.Equal(0xFFFF_F800_0000_1000UL, first.InstructionPointer);

        HypercallTraceRecord second = tracer.Records[1];
        Assert.Equal(2, second.RepStartIndex);
        Assert.Equal(HypercallEnding.Completed, second.Ending);
        Assert.Equal(3, second.RepsCompleted);

        HypercallTraceRecord third = tracer.Records[2];
        Assert.Equal(HypercallEnding.InvalidOpcode, third.Ending);
        Assert.False(third.IsRep);
    }

    private sealed class RecordingTracer : IHypercallTracer
    {
        public List<HypercallTraceRecord> Records { get; } = [];

        public void OnHypercall(in HypercallTraceRecord record) => Records.Add(record);
    }

    /// <summary>Plays another vCPU that rewrites the input block while the call runs.</summary>
    private sealed class TamperingHypercall(GuestMemory memory, ulong gpa) : IHypercall
    {
        public HypercallLayout Layout { get; } = HypercallLayout.Simple(HvCallCode.HvCallSwitchVirtualAddressSpace, 16);

        public ulong Before { get; private set; }

        public ulong After { get; private set; }

        public HypercallOutcome Invoke(HypercallRequest request)
        {
            Before = BinaryPrimitives.ReadUInt64LittleEndian(request.Input);
            memory.Write(gpa, 0xBADUL);
            After = BinaryPrimitives.ReadUInt64LittleEndian(request.Input);
            return HypercallOutcome.Success;
        }
    }
}

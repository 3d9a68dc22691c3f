using Vmm.HyperV.Hypercalls;
using Vmm.HyperV.Tlfs;
using static Vmm.HyperV.Tests.Hypercalls.DispatchHarness;

namespace Vmm.HyperV.Tests.Hypercalls;

/// <summary>
/// One row per validation path and status of <see cref="HypercallDispatcher"/> (its remarks list the order and the
/// sources of each status). Unless a row says otherwise: the "windows" profile (flush, flush-Ex, spinlocks; no IPI),
/// CPL 0 in 64-bit mode, no XMM, no rep cap.
/// </summary>
public sealed class HypercallDispatcherValidationTests
{
    private const HvCallCode Spin = HvCallCode.HvCallNotifyLongSpinWait;
    private const HvCallCode List = HvCallCode.HvCallFlushVirtualAddressList;
    private const HvCallCode ListEx = HvCallCode.HvCallFlushVirtualAddressListEx;
    private const HvCallCode ApicCall = HvCallCode.HvCallGetVpIndexFromApicId;
    private const HvCallCode SwapCall = HvCallCode.HvCallSwitchVirtualAddressSpace;

    private static readonly DispatchCase[] s_cases =
    [
        // Legal environment (TLFS "Legal Hypercall Environments"): #UD and nothing else.
        new("CPL 3 raises #UD", Fast(Spin), Cpl: 3, Expect: Ud()),
        new("CPL 1 raises #UD", Fast(Spin), Cpl: 1, Expect: Ud()),
        new("real mode raises #UD", Fast(Spin), ProtectedMode: false, LongMode: false, Expect: Ud()),
        new("compatibility mode raises #UD", Fast(Spin), LongMode: false, Expect: Ud()),
        new("CPL 3 wins over reserved bits", Fast(Spin) | (1UL << 27), Cpl: 3, Expect: Ud()),
        new("CPL 3 wins over an unknown code", 0x4, Cpl: 3, Expect: Ud()),

        // Reserved bits of the control word.
        new("reserved bit 27", Fast(Spin) | (1UL << 27), Expect: Status(HvStatus.InvalidHypercallInput)),
        new("reserved bit 30", Fast(Spin) | (1UL << 30), Expect: Status(HvStatus.InvalidHypercallInput)),
        new("nested bit 31", Fast(Spin) | (1UL << 31), Expect: Status(HvStatus.InvalidHypercallInput)),
        new("reserved bit 44", Fast(Spin) | (1UL << 44), Expect: Status(HvStatus.InvalidHypercallInput)),
        new("reserved bit 47", Fast(Spin) | (1UL << 47), Expect: Status(HvStatus.InvalidHypercallInput)),
        new("reserved bit 60", Fast(Spin) | (1UL << 60), Expect: Status(HvStatus.InvalidHypercallInput)),
        new("reserved bit 63", Fast(Spin) | (1UL << 63), Expect: Status(HvStatus.InvalidHypercallInput)),
        new("reserved bits win over an unknown code", 0x4 | (1UL << 60), Expect: Status(HvStatus.InvalidHypercallInput)),
        new("reserved bits win over access denied", Fast(HvCallCode.HvCallSendSyntheticClusterIpi) | (1UL << 44), Expect: Status(HvStatus.InvalidHypercallInput)),

        // Call codes.
        new("unknown code 0x0000", 0x0000, Expect: Status(HvStatus.InvalidHypercallCode)),
        new("unknown code 0x0004", 0x0004, Expect: Status(HvStatus.InvalidHypercallCode)),
        new("unknown code 0x00FF", 0x00FF, Expect: Status(HvStatus.InvalidHypercallCode)),
        new("unknown code 0x7FFF", 0x7FFF, Expect: Status(HvStatus.InvalidHypercallCode)),
        new("unknown extended code 0x8005", 0x8005, Expect: Status(HvStatus.InvalidHypercallCode)),
        new("unknown code 0xFFFF", 0xFFFF, Expect: Status(HvStatus.InvalidHypercallCode)),

        // Known codes the profile does not offer.
        new("IPI without 'ipi'", Fast(HvCallCode.HvCallSendSyntheticClusterIpi), Expect: Status(HvStatus.AccessDenied)),
        new("IPI-Ex without 'ipi'", Slow(HvCallCode.HvCallSendSyntheticClusterIpiEx), Expect: Status(HvStatus.AccessDenied)),
        new("IPI-Ex without 'tlbflush-ex'", Slow(HvCallCode.HvCallSendSyntheticClusterIpiEx), Profile: "linux,+ipi", Expect: Status(HvStatus.AccessDenied)),
        new("flush list-Ex without 'tlbflush-ex'", Slow(ListEx, repCount: 2, varHeader: 1), ExInput, Profile: "linux", Expect: Status(HvStatus.AccessDenied)),
        new("flush list without 'tlbflush'", Slow(List, repCount: 3), ListInput, Profile: "none", Expect: Status(HvStatus.AccessDenied)),
        new("flush space without 'tlbflush'", Slow(HvCallCode.HvCallFlushVirtualAddressSpace), ListInput, Profile: "hypercall,vpindex", Expect: Status(HvStatus.AccessDenied)),
        new("spin wait without 'spinlocks'", Fast(Spin), Profile: "linux,-spinlocks", Expect: Status(HvStatus.AccessDenied)),
        new("partition ID without AccessPartitionId", Fast(HvCallCode.HvCallGetPartitionId), Expect: Status(HvStatus.AccessDenied)),
        new("post message without PostMessages", Slow(HvCallCode.HvCallPostMessage), Expect: Status(HvStatus.AccessDenied)),
        new("signal event without SignalEvents", Fast(HvCallCode.HvCallSignalEvent), Expect: Status(HvStatus.AccessDenied)),
        new("get VP registers without AccessVpRegisters", Slow(HvCallCode.HvCallGetVpRegisters, repCount: 1), Expect: Status(HvStatus.AccessDenied)),
        new("VTL call without AccessVsm", Fast(HvCallCode.HvCallVtlCall), Expect: Status(HvStatus.AccessDenied)),
        new("extended call without EnableExtendedHypercalls", Fast(HvCallCode.HvExtCallQueryCapabilities), Expect: Status(HvStatus.AccessDenied)),
        new("nested GPA flush never offered", Slow(HvCallCode.HvCallFlushGuestPhysicalAddressSpace), Expect: Status(HvStatus.AccessDenied)),
        new("access denied wins over bad rep fields", Fast(HvCallCode.HvCallSendSyntheticClusterIpi, repCount: 3), Expect: Status(HvStatus.AccessDenied)),

        // Known, offered, no handler.
        new("flush space offered but unregistered", Slow(HvCallCode.HvCallFlushVirtualAddressSpace), ListInput, Expect: Status(HvStatus.InvalidHypercallCode)),
        new("IPI offered but unregistered", Fast(HvCallCode.HvCallSendSyntheticClusterIpi), Profile: "linux,+ipi", Expect: Status(HvStatus.InvalidHypercallCode)),
        new("ungated code unregistered", Slow(HvCallCode.HvCallRetargetDeviceInterrupt), Expect: Status(HvStatus.InvalidHypercallCode)),

        // Rep fields and the variable header.
        new("rep count on a simple call", Fast(Spin, repCount: 1), Expect: Status(HvStatus.InvalidHypercallInput)),
        new("rep start on a simple call", Fast(Spin, repStart: 1), Expect: Status(HvStatus.InvalidHypercallInput)),
        new("rep count 0 on a rep call", Slow(List), ListInput, Expect: Status(HvStatus.InvalidHypercallInput)),
        new("rep start equal to rep count", Slow(List, repCount: 3, repStart: 3), ListInput, Expect: Status(HvStatus.InvalidHypercallInput)),
        new("rep start above rep count", Slow(List, repCount: 3, repStart: 7), ListInput, Expect: Status(HvStatus.InvalidHypercallInput)),
        new("variable header on a rep call without one", Slow(List, repCount: 3, varHeader: 1), ListInput, Expect: Status(HvStatus.InvalidHypercallInput)),
        new("variable header on a simple call without one", Fast(Spin, varHeader: 1), Expect: Status(HvStatus.InvalidHypercallInput)),
        new("rep fields checked before alignment", Slow(List), ListInput + 4, Expect: Status(HvStatus.InvalidHypercallInput)),

        // Memory-based calls: alignment, page crossing, guest RAM (input block first, then output block).
        new("misaligned input GPA", Slow(List, repCount: 3), ListInput + 4, Expect: Status(HvStatus.InvalidAlignment)),
        new("misaligned output GPA", Slow(ApicCall, repCount: 2), ApicInput, OutputPage + 4, Expect: Status(HvStatus.InvalidAlignment)),
        new("input block crossing a page", Slow(List, repCount: 2), 0x1FE0, Expect: Status(HvStatus.InvalidAlignment)),
        new("input block ending at a page end", Slow(List, repCount: 1), 0x1FE0, Expect: Done(1)),
        new("output block crossing a page", Slow(ApicCall, repCount: 2), ApicInput, OutputPage + 0xFF8, Expect: Status(HvStatus.InvalidAlignment)),
        new("input block larger than a page", Slow(List, repCount: 4095), ListInput, Expect: Status(HvStatus.InvalidAlignment)),
        new("input GPA right after RAM", Slow(List, repCount: 3), RamSize, Expect: Status(HypercallDispatcher.GpaNotRamStatus)),
        new("input GPA in the top page of the address space", Slow(List, repCount: 3), 0xFFFF_FFFF_FFFF_F000, Expect: Status(HypercallDispatcher.GpaNotRamStatus)),
        new("input GPA wrapping past 2^64", Slow(List, repCount: 3), 0xFFFF_FFFF_FFFF_FFF8, Expect: Status(HvStatus.InvalidAlignment)),
        new("output GPA outside RAM", Slow(ApicCall, repCount: 2), ApicInput, 0x4000_0000, Expect: Status(HypercallDispatcher.GpaNotRamStatus)),
        new("alignment checked before RAM", Slow(List, repCount: 3), RamSize + 4, Expect: Status(HvStatus.InvalidAlignment)),
        new("input checked before output (alignment)", Slow(ApicCall, repCount: 2), ApicInput + 4, RamSize, Expect: Status(HvStatus.InvalidAlignment)),
        new("input checked before output (RAM)", Slow(ApicCall, repCount: 2), RamSize, OutputPage + 4, Expect: Status(HypercallDispatcher.GpaNotRamStatus)),
        new("output GPA ignored for a call without output", Slow(List, repCount: 3), ListInput, ulong.MaxValue, Expect: Done(3)),

        // Happy paths.
        new("null hypercall: spin wait, fast", Fast(Spin), Expect: Done(0, handler: false)),
        new("spin wait, memory-based", Slow(Spin), SwapInput, Expect: Done(0, handler: false)),
        new("rep list, memory-based", Slow(List, repCount: 5), ListInput, Expect: Done(5)),
        new("rep list from rep start 3 reports every rep", Slow(List, repCount: 5, repStart: 3), ListInput, Expect: Done(5)),
        new("rep with output", Slow(ApicCall, repCount: 3), ApicInput, OutputPage, Expect: Done(3)),
        new("simple call with output", Slow(SwapCall), SwapInput, OutputPage, Expect: Done(0)),
        new("variable header with reps", Slow(ListEx, repCount: 2, varHeader: 1), ExInput, Expect: Done(2)),

        // Fast calls.
        new("XMM-fast rep list", Fast(List, repCount: 3), AddressSpace, XmmInput: true, Expect: Done(3)),
        new("XMM input not advertised raises #UD", Fast(List, repCount: 3), AddressSpace, Expect: Ud()),
        new("XMM input at the 112-byte limit", Fast(List, repCount: 11), AddressSpace, XmmInput: true, Expect: Done(11)),
        new("XMM input above 112 bytes", Fast(List, repCount: 12), AddressSpace, XmmInput: true, Expect: Status(HvStatus.InvalidHypercallInput)),
        new("XMM input above 112 bytes, not advertised", Fast(List, repCount: 12), AddressSpace, Expect: Ud()),
        new("XMM-fast rep with output", Fast(ApicCall, repCount: 1), XmmInput: true, XmmOutput: true, Xmm0: new UInt128(0, 0x10), Expect: Done(1)),
        new("fast simple call with output", Fast(SwapCall), 0x1111, 0x2222, XmmOutput: true, Expect: Done(0)),
        new("XMM output not advertised raises #UD", Fast(SwapCall), 0x1111, 0x2222, XmmInput: true, Expect: Ud()),
        new("fast input and output filling all registers", Fast(ApicCall, repCount: 6), XmmInput: true, XmmOutput: true, Expect: Done(6)),
        new("fast input and output above 112 bytes", Fast(ApicCall, repCount: 7), XmmInput: true, XmmOutput: true, Expect: Status(HvStatus.InvalidHypercallInput)),

        // Partial completion and continuation.
        new("error at rep 2 reports 2 reps completed", Slow(List, repCount: 5), FailInput, Expect: Failed(HvStatus.InvalidParameter, 2)),
        new("error at the first rep of a restarted call", Slow(List, repCount: 5, repStart: 2), FailInput, Expect: Failed(HvStatus.InvalidParameter, 2)),
        new("error in XMM input at rep 2", Fast(List, repCount: 3), AddressSpace, XmmInput: true, Xmm1: new UInt128(Script.FailMarker, 0x2000), Expect: Failed(HvStatus.InvalidParameter, 2)),
        new("handler continues at rep 2", Slow(List, repCount: 5), ContinueInput, Expect: Continued(2)),
        new("restarted at rep 2, handler continues at rep 4", Slow(List, repCount: 5, repStart: 2), ContinueInput, Expect: Continued(4)),
        new("restarted at rep 4, completes", Slow(List, repCount: 5, repStart: 4), ContinueInput, Expect: Done(5)),
        new("rep cap 2: continue at rep 2", Slow(List, repCount: 5), ListInput, MaxReps: 2, Expect: Continued(2)),
        new("rep cap 2: restarted at rep 2, continue at rep 4", Slow(List, repCount: 5, repStart: 2), ListInput, MaxReps: 2, Expect: Continued(4)),
        new("rep cap 2: last window completes", Slow(List, repCount: 5, repStart: 4), ListInput, MaxReps: 2, Expect: Done(5)),
        new("rep cap larger than the list", Slow(List, repCount: 5), ListInput, MaxReps: 8, Expect: Done(5)),
        new("rep cap 2: error inside the window", Slow(List, repCount: 5, repStart: 2), FailInput, MaxReps: 2, Expect: Failed(HvStatus.InvalidParameter, 2)),
    ];

    public static TheoryData<string> CaseNames => new(s_cases.Select(c => c.Name));

    [Fact]
    public void CaseNamesAreUnique()
    {
        Assert.Equal(s_cases.Length, s_cases.Select(c => c.Name).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void EndsTheCallAsTheRowSays(string name)
    {
        DispatchCase row = s_cases.Single(c => c.Name == name);
        using var harness = new DispatchHarness(row.Profile, row.XmmInput, row.XmmOutput, row.MaxReps);
        if (row.Xmm0 is { } xmm0)
        {
            harness.Io[0] = xmm0;
        }

        if (row.Xmm1 is { } xmm1)
        {
            harness.Io[1] = xmm1;
        }

        harness.Call(row.Control, row.Rdx, row.R8, row.Cpl, row.ProtectedMode, row.LongMode);

        FakeHypercallIo io = harness.Io;
        Expected expect = row.Expect;
        Assert.Equal(1, io.Endings);
        switch (expect.Ending)
        {
            case HypercallEnding.InvalidOpcode:
                Assert.Equal(1, io.InvalidOpcodes);
                Assert.Equal(0, io.XmmWriteMask);
                break;
            case HypercallEnding.Continued:
                Assert.Equal(1, io.Continuations);
                Assert.Equal(new HypercallInput(row.Control).WithRepStartIndex(expect.Reps).Value, io.LastContinueControl);
                break;
            default:
                Assert.Equal(1, io.Completions);
                Assert.Equal(new HypercallResult(expect.Status, expect.Reps), HypercallResult.FromValue(io.LastResult));
                Assert.Equal(new HypercallResult(expect.Status, expect.Reps).Value, io.LastResult);
                break;
        }

        Assert.Equal(expect.ReachesHandler ? 1 : 0, harness.HandlerInvocations);
    }

    private static ulong Fast(HvCallCode code, int repCount = 0, int repStart = 0, int varHeader = 0) =>
        HypercallInput.Create(code, isFast: true, varHeader, repCount, repStart).Value;

    private static ulong Slow(HvCallCode code, int repCount = 0, int repStart = 0, int varHeader = 0) =>
        HypercallInput.Create(code, isFast: false, varHeader, repCount, repStart).Value;

    private static Expected Ud() => new(HypercallEnding.InvalidOpcode, HvStatus.Success, 0, ReachesHandler: false);

    private static Expected Status(HvStatus status) => new(HypercallEnding.Completed, status, 0, ReachesHandler: false);

    private static Expected Done(int reps, bool handler = true) => new(HypercallEnding.Completed, HvStatus.Success, reps, handler);

    private static Expected Failed(HvStatus status, int reps) => new(HypercallEnding.Completed, status, reps, ReachesHandler: true);

    private static Expected Continued(int nextRep) => new(HypercallEnding.Continued, HvStatus.Success, nextRep, ReachesHandler: true);

    /// <summary>How the call must end, and whether a test handler ran.</summary>
    private sealed record Expected(HypercallEnding Ending, HvStatus Status, int Reps, bool ReachesHandler);

    private sealed record DispatchCase(
        string Name,
        ulong Control,
        ulong Rdx = 0,
        ulong R8 = 0,
        int Cpl = 0,
        bool ProtectedMode = true,
        bool LongMode = true,
        string Profile = "windows",
        bool XmmInput = false,
        bool XmmOutput = false,
        int MaxReps = 0,
        UInt128? Xmm0 = null,
        UInt128? Xmm1 = null,
        Expected? Expect = null)
    {
        public Expected Expect { get; } = Expect ?? throw new ArgumentNullException(nameof(Expect));
    }
}

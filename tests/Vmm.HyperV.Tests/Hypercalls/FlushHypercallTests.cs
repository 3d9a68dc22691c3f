using Vmm.HyperV.Tlfs;
using static Vmm.HyperV.Tests.Hypercalls.FlushCases;

namespace Vmm.HyperV.Tests.Hypercalls;

/// <summary>
/// One expected outcome of a flush or IPI call. <see cref="Expect"/> is the requests the engine receives (flush calls:
/// targets and requester; every request is a full flush, so the flags and GVA entries reach no further than the
/// handler's checks) or the interrupts sent (IPI calls); <see cref="Done"/> is reps completed (−1: the rep count).
/// </summary>
public sealed record FlushCase(
    HvCallCode Code,
    ulong[] Input,
    string[] Expect,
    HvStatus Status = HvStatus.Success,
    int VarHeader = 0,
    int Reps = 0,
    int RepStart = 0,
    int Done = -1,
    bool ExtendedRanges = false,
    int Processor = 0,
    bool EngineComplete = true)
{
    public bool IsIpi => Code is HvCallCode.HvCallSendSyntheticClusterIpi or HvCallCode.HvCallSendSyntheticClusterIpiEx;
}

/// <summary>The case table: one row per case, named.</summary>
public static class FlushCases
{
    public const ulong As = 0x1234_5000;
    public const ulong AP = (ulong)HvFlushFlags.AllProcessors;
    public const ulong AVAS = (ulong)HvFlushFlags.AllVirtualAddressSpaces;
    public const ulong NG = (ulong)HvFlushFlags.NonGlobalMappingsOnly;
    public const ulong EXT = (ulong)HvFlushFlags.UseExtendedRangeFormat;
    public const ulong Sparse = 0;
    public const ulong SetAll = 1;
    public const ulong Bank63 = 1UL << 63;

    private const HvCallCode Space = HvCallCode.HvCallFlushVirtualAddressSpace;
    private const HvCallCode List = HvCallCode.HvCallFlushVirtualAddressList;
    private const HvCallCode SpaceEx = HvCallCode.HvCallFlushVirtualAddressSpaceEx;
    private const HvCallCode ListEx = HvCallCode.HvCallFlushVirtualAddressListEx;
    private const HvCallCode Ipi = HvCallCode.HvCallSendSyntheticClusterIpi;
    private const HvCallCode IpiEx = HvCallCode.HvCallSendSyntheticClusterIpiEx;
    private const HvStatus Param = HvStatus.InvalidParameter;
    private const HvStatus BadInput = HvStatus.InvalidHypercallInput;

    public static readonly Dictionary<string, FlushCase> All = Build();

    public static ulong E(ulong page, int extra) => HvGvaRange.CreateBasic(page, extra).Value;

    public static ulong Vec(uint vector, byte vtl = 0, uint reserved = 0) => vector | ((ulong)vtl << 32) | ((ulong)reserved << 40);

    public static string[] None => [];

    public static string FlushCall(string targets, int requester = 0) => $"flush req={requester} {targets}";

    private static Dictionary<string, FlushCase> Build()
    {
        var many = new ulong[3 + 17];
        many[0] = As;
        many[2] = 1;
        for (int i = 0; i < 17; i++)
        {
            many[3 + i] = E((ulong)(0x100 + i), i);
        }

        ulong largeReserved = HvGvaRange.CreateExtendedLarge(3, oneGigabytePages: false, 0).Value | (1UL << 13);

        return new Dictionary<string, FlushCase>
        {
            // HvCallFlushVirtualAddressSpace (0x0002): AddressSpace, Flags, ProcessorMask.
            ["space: mask VPs 0,1"] = new(Space, [As, 0, 0b11], [FlushCall("{0,1}")]),
            ["space: VPs 2-63 name no vCPU, ignored"] = new(Space, [As, 0, ~0b11UL], [FlushCall("{}")]),
            ["space: empty mask means all (KVM reading)"] = new(Space, [As, 0, 0], [FlushCall("all(5)")]),
            ["space: ALL_PROCESSORS ignores the mask"] = new(Space, [As, AP, 0b10], [FlushCall("all(5)")]),
            ["space: ALL_VIRTUAL_ADDRESS_SPACES accepted (full flush)"] = new(Space, [As, AVAS, 1], [FlushCall("{0}")]),
            ["space: NON_GLOBAL_MAPPINGS_ONLY accepted (full flush)"] = new(Space, [As, NG, 1], [FlushCall("{0}")]),
            ["space: every defined flag"] = new(Space, [As, AP | AVAS | NG | EXT, 0], [FlushCall("all(5)")], ExtendedRanges: true),
            ["space: extended range flag not advertised"] = new(Space, [As, EXT, 1], None, Param),
            ["space: extended range flag advertised"] = new(Space, [As, EXT, 1], [FlushCall("{0}")], ExtendedRanges: true),
            ["space: reserved flag bit 4 (OpenVMM VTL bit)"] = new(Space, [As, 1UL << 4, 1], None, Param),
            ["space: reserved flag bit 9"] = new(Space, [As, 1UL << 9, 1], None, Param),
            ["space: reserved flag bit 63"] = new(Space, [As, 1UL << 63, 1], None, Param),
            ["space: requester is vCPU 3"] = new(Space, [As, 0, 0b11], [FlushCall("{0,1}", requester: 3)], Processor: 3),
            ["space: incomplete flush is INVALID_VP_STATE"] = new(Space, [As, 0, 1], [FlushCall("{0}")], HvStatus.InvalidVpState, EngineComplete: false),

            // HvCallFlushVirtualAddressSpaceEx (0x0013): AddressSpace, Flags, Format, ValidBanksMask, banks.
            ["spaceex: bank 0, VPs 0,1"] = new(SpaceEx, [As, 0, Sparse, 1, 0b11], [FlushCall("{0,1}")], VarHeader: 1),
            ["spaceex: bank 1, VP 65"] = new(SpaceEx, [As, 0, Sparse, 0b10, 0b10], [FlushCall("{2}")], VarHeader: 1),
            ["spaceex: bank 2, VP 130"] = new(SpaceEx, [As, 0, Sparse, 0b100, 0b100], [FlushCall("{3}")], VarHeader: 1),
            ["spaceex: bank 63, VP 4095"] = new(SpaceEx, [As, 0, Sparse, Bank63, Bank63], [FlushCall("{4}")], VarHeader: 1),
            ["spaceex: banks 0,1,63 packed"] = new(SpaceEx, [As, 0, Sparse, 0b11 | Bank63, 1, 0b10, Bank63], [FlushCall("{0,2,4}")], VarHeader: 3),
            ["spaceex: contiguous banks with empty ones (Linux)"] = new(SpaceEx, [As, 0, Sparse, 0b111, 0, 0b10, 0], [FlushCall("{2}")], VarHeader: 3),
            ["spaceex: VPs 2 and 64 name no vCPU, ignored"] = new(SpaceEx, [As, 0, Sparse, 0b11, 0b100, 1], [FlushCall("{}")], VarHeader: 2),
            ["spaceex: empty sparse set flushes nothing"] = new(SpaceEx, [As, 0, Sparse, 0], [FlushCall("{}")]),
            ["spaceex: SET_ALL"] = new(SpaceEx, [As, 0, SetAll, 0], [FlushCall("all(5)")]),
            ["spaceex: SET_ALL ignores mask and banks"] = new(SpaceEx, [As, 0, SetAll, 0b101, 7], [FlushCall("all(5)")], VarHeader: 1),
            ["spaceex: unknown format 2"] = new(SpaceEx, [As, 0, 2, 1, 1], None, Param, VarHeader: 1),
            ["spaceex: unknown format all ones"] = new(SpaceEx, [As, 0, ulong.MaxValue, 0], None, Param),
            ["spaceex: fewer banks than mask bits"] = new(SpaceEx, [As, 0, Sparse, 0b11, 1], None, BadInput, VarHeader: 1),
            ["spaceex: more banks than mask bits"] = new(SpaceEx, [As, 0, Sparse, 0b1, 1, 1], None, BadInput, VarHeader: 2),
            ["spaceex: banks but no mask bits"] = new(SpaceEx, [As, 0, Sparse, 0, 1], None, BadInput, VarHeader: 1),
            ["spaceex: ALL_PROCESSORS skips the set"] = new(SpaceEx, [As, AP, 9, 0b11], [FlushCall("all(5)")]),
            ["spaceex: flags are checked before the set"] = new(SpaceEx, [As, 1UL << 5, 9, 0b11], None, Param),
            ["spaceex: non-global accepted (full flush)"] = new(SpaceEx, [As, NG | AVAS, Sparse, 1, 1], [FlushCall("{0}")], VarHeader: 1),

            // HvCallFlushVirtualAddressList (0x0003): the Space header, then one GVA entry per rep.
            ["list: one basic entry"] = new(List, [As, 0, 1, E(0x10, 0)], [FlushCall("{0}")], Reps: 1),
            ["list: basic counts 1, 4096, top page"] = new(List, [As, 0, 0b11, E(0x10, 0), E(0x20, 0xFFF), E(0xF_FFFF_FFFF_FFFF, 0)], [FlushCall("{0,1}")], Reps: 3),
            ["list: start index 2 is a continuation"] = new(List, [As, 0, 1, E(1, 0), E(2, 0), E(3, 0), E(4, 1)], [FlushCall("{0}")], Reps: 4, RepStart: 2),
            ["list: empty mask means all"] = new(List, [As, 0, 0, E(1, 0)], [FlushCall("all(5)")], Reps: 1),
            ["list: ALL_PROCESSORS"] = new(List, [As, AP | AVAS, 0b1, E(1, 0)], [FlushCall("all(5)")], Reps: 1),
            ["list: NON_GLOBAL_MAPPINGS_ONLY is invalid"] = new(List, [As, NG, 1, E(1, 0)], None, Param, Reps: 1, Done: 0),
            ["list: NON_GLOBAL invalid at a continuation"] = new(List, [As, NG, 1, E(1, 0), E(2, 0)], None, Param, Reps: 2, RepStart: 1, Done: 1),
            ["list: reserved flag bit"] = new(List, [As, 1UL << 8, 1, E(1, 0)], None, Param, Reps: 1, Done: 0),
            ["list: extended format not advertised"] = new(List, [As, EXT, 1, E(1, 0)], None, Param, Reps: 1, Done: 0),
            ["list: extended small, 2 MiB and 1 GiB entries"] = new(
                List,
                [As, EXT, 1, HvGvaRange.CreateExtended(0x30, 0x7FF).Value, HvGvaRange.CreateExtendedLarge(1, false, 0).Value, HvGvaRange.CreateExtendedLarge(512, true, 1).Value],
                [FlushCall("{0}")],
                Reps: 3,
                ExtendedRanges: true),
            ["list: extended entry bit 11 read as LargePage, not a count"] = new(List, [As, EXT, 1, HvGvaRange.CreateExtendedLarge(2, false, 0x7FF).Value], [FlushCall("{0}")], Reps: 1, ExtendedRanges: true),
            ["list: basic entry with bit 11 is 2048+ pages"] = new(List, [As, 0, 1, E(2, 0x800)], [FlushCall("{0}")], Reps: 1, ExtendedRanges: true),
            ["list: extended reserved bits at rep 2"] = new(List, [As, EXT, 1, E(1, 0), E(2, 0), largeReserved, E(4, 0)], [FlushCall("{0}")], Param, Reps: 4, Done: 2, ExtendedRanges: true),
            ["list: extended reserved bits at the first rep"] = new(List, [As, EXT, 1, largeReserved, E(2, 0)], None, Param, Reps: 2, Done: 0, ExtendedRanges: true),
            ["list: 16 reps in one list call"] = new(List, many[..(3 + 16)], [FlushCall("{0}")], Reps: 16),
            ["list: 17 reps in one request"] = new(List, many, [FlushCall("{0}")], Reps: 17),
            ["list: 17 reps from start 1 in one request"] = new(List, many, [FlushCall("{0}")], Reps: 17, RepStart: 1),
            ["list: incomplete flush, nothing done"] = new(List, [As, 0, 1, E(1, 0), E(2, 0)], [FlushCall("{0}")], HvStatus.InvalidVpState, Reps: 2, RepStart: 1, Done: 1, EngineComplete: false),

            // HvCallFlushVirtualAddressListEx (0x0014): the SpaceEx header, banks, then the GVA entries.
            ["listex: bank 1 VP 65, one entry"] = new(ListEx, [As, 0, Sparse, 0b10, 0b10, E(5, 2)], [FlushCall("{2}")], VarHeader: 1, Reps: 1),
            ["listex: entries follow two banks"] = new(ListEx, [As, 0, Sparse, 0b101, 1, 0b100, E(5, 0), E(6, 0)], [FlushCall("{0,3}")], VarHeader: 2, Reps: 2),
            ["listex: bank 63 VP 4095"] = new(ListEx, [As, AVAS, Sparse, Bank63, Bank63, E(7, 0)], [FlushCall("{4}")], VarHeader: 1, Reps: 1),
            ["listex: SET_ALL"] = new(ListEx, [As, 0, SetAll, 0, E(5, 0)], [FlushCall("all(5)")], Reps: 1),
            ["listex: bank count mismatch"] = new(ListEx, [As, 0, Sparse, 0b11, 1, E(5, 0)], None, BadInput, VarHeader: 1, Reps: 1, Done: 0),
            ["listex: unknown format"] = new(ListEx, [As, 0, 3, 0, E(5, 0)], None, Param, Reps: 1, Done: 0),
            ["listex: continuation from rep 1"] = new(ListEx, [As, 0, Sparse, 1, 0b11, E(5, 0), E(6, 0), E(7, 0)], [FlushCall("{0,1}")], VarHeader: 1, Reps: 3, RepStart: 1),
            ["listex: NON_GLOBAL invalid"] = new(ListEx, [As, NG, Sparse, 1, 1, E(5, 0)], None, Param, VarHeader: 1, Reps: 1, Done: 0),

            // HvCallSendSyntheticClusterIpi (0x000B): Vector, TargetVtl, reserved, ProcessorMask.
            ["ipi: vector 0x20 to VPs 0,1"] = new(Ipi, [Vec(0x20), 0b11], ["0:0x20", "1:0x20"]),
            ["ipi: lowest vector 0x10"] = new(Ipi, [Vec(0x10), 1], ["0:0x10"]),
            ["ipi: highest vector 0xFF"] = new(Ipi, [Vec(0xFF), 1], ["0:0xFF"]),
            ["ipi: vector 0x0F"] = new(Ipi, [Vec(0x0F), 1], None, Param),
            ["ipi: vector 0"] = new(Ipi, [Vec(0), 1], None, Param),
            ["ipi: vector 0x100"] = new(Ipi, [Vec(0x100), 1], None, Param),
            ["ipi: vector 0xFFFFFFFF"] = new(Ipi, [Vec(0xFFFF_FFFF), 1], None, Param),
            ["ipi: target VTL 1"] = new(Ipi, [Vec(0x20, vtl: 1), 1], None, Param),
            ["ipi: reserved byte 5"] = new(Ipi, [Vec(0x20, reserved: 1), 1], None, Param),
            ["ipi: reserved byte 7"] = new(Ipi, [Vec(0x20, reserved: 0x10000), 1], None, Param),
            ["ipi: empty mask sends nothing"] = new(Ipi, [Vec(0x20), 0], None),
            ["ipi: VPs without a vCPU ignored"] = new(Ipi, [Vec(0x20), 0b100 | Bank63], None),
            ["ipi: to itself"] = new(Ipi, [Vec(0x31), 0b10], ["1:0x31"], Processor: 1),

            // HvCallSendSyntheticClusterIpiEx (0x0015): Vector, TargetVtl, reserved, Format, ValidBanksMask, banks.
            ["ipiex: bank 63 VP 4095"] = new(IpiEx, [Vec(0x30), Sparse, Bank63, Bank63], ["4:0x30"], VarHeader: 1),
            ["ipiex: banks 0,1,2"] = new(IpiEx, [Vec(0x30), Sparse, 0b111, 0b11, 0b10, 0b100], ["0:0x30", "1:0x30", "2:0x30", "3:0x30"], VarHeader: 3),
            ["ipiex: SET_ALL includes the sender"] = new(IpiEx, [Vec(0x40), SetAll, 0], ["0:0x40", "1:0x40", "2:0x40", "3:0x40", "4:0x40"], Processor: 2),
            ["ipiex: empty sparse set"] = new(IpiEx, [Vec(0x40), Sparse, 0], None),
            ["ipiex: unknown format"] = new(IpiEx, [Vec(0x40), 2, 0], None, Param),
            ["ipiex: bank count mismatch"] = new(IpiEx, [Vec(0x40), Sparse, 0b11, 1], None, BadInput, VarHeader: 1),
            ["ipiex: vector checked before the set"] = new(IpiEx, [Vec(0x05), Sparse, 0b11, 1], None, Param, VarHeader: 1),
            ["ipiex: target VTL 2"] = new(IpiEx, [Vec(0x40, vtl: 2), SetAll, 0], None, Param),
        };
    }
}

/// <summary>Every flush and IPI case through the real dispatcher, in memory form and, when it fits, XMM-fast form.</summary>
public sealed class FlushHypercallTests
{
    public static TheoryData<string, InputForm> Cases()
    {
        var data = new TheoryData<string, InputForm>();
        foreach ((string name, FlushCase c) in All)
        {
            data.Add(name, InputForm.Memory);
            if (FlushRig.FitsFast(c.Input.Length))
            {
                data.Add(name, InputForm.Fast);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case(string name, InputForm form)
    {
        FlushCase c = All[name];
        using var rig = new FlushRig(extendedGvaRanges: c.ExtendedRanges);
        rig.Service.Complete = c.EngineComplete;

        rig.Call(c.Code, form, c.Input, c.VarHeader, c.Reps, c.RepStart, c.Processor);

        Assert.Equal(1, rig.Io.Completions);
        Assert.Equal(1, rig.Io.Endings);
        Assert.Equal(c.Status, rig.Status);
        Assert.Equal(c.Done >= 0 ? c.Done : c.Reps, rig.RepsCompleted);
        Assert.Equal(c.Expect, c.IsIpi ? rig.Ipi.Sent : rig.Service.Calls);
        Assert.Empty(c.IsIpi ? rig.Service.Calls : rig.Ipi.Sent);
        Assert.Equal(form == InputForm.Fast && c.Input.Length > 2, rig.Io.XmmReads > 0);
    }

    [Theory]
    [InlineData(InputForm.Memory)]
    [InlineData(InputForm.Fast)]
    public void ListContinuesWhenTheDispatcherCapsReps(InputForm form)
    {
        using var rig = new FlushRig(maxRepsPerInvocation: 2);
        ulong[] input = [As, 0, 0b1, E(1, 0), E(2, 0), E(3, 0), E(4, 0), E(5, 0)];

        rig.Call(HvCallCode.HvCallFlushVirtualAddressList, form, input, repCount: 5);
        Assert.Equal(1, rig.Io.Continuations);
        Assert.Equal(2, rig.ContinuedAt);

        rig.Resume();
        Assert.Equal(1, rig.Io.Continuations);
        Assert.Equal(4, rig.ContinuedAt);

        rig.Resume();
        Assert.Equal(1, rig.Io.Completions);
        Assert.Equal(HvStatus.Success, rig.Status);
        Assert.Equal(5, rig.RepsCompleted);
        Assert.Equal(
            [FlushCall("{0}"), FlushCall("{0}"), FlushCall("{0}")],
            rig.Service.Calls);
    }

    [Theory]
    [InlineData(HvCallCode.HvCallFlushVirtualAddressSpace, 3)]
    [InlineData(HvCallCode.HvCallFlushVirtualAddressList, 4)]
    [InlineData(HvCallCode.HvCallFlushVirtualAddressSpaceEx, 5)]
    [InlineData(HvCallCode.HvCallSendSyntheticClusterIpiEx, 4)]
    public void FastInputAbove16BytesWithoutXmmIsInvalidOpcode(HvCallCode code, int qwords)
    {
        using var rig = new FlushRig(xmmInput: false);
        bool rep = code == HvCallCode.HvCallFlushVirtualAddressList;
        int varHeader = code is HvCallCode.HvCallFlushVirtualAddressSpaceEx or HvCallCode.HvCallSendSyntheticClusterIpiEx ? 1 : 0;
        rig.Call(code, InputForm.Fast, new ulong[qwords], varHeader, repCount: rep ? 1 : 0);

        Assert.Equal(1, rig.Io.InvalidOpcodes);
        Assert.Empty(rig.Service.Calls);
    }

    [Fact]
    public void PlainFastIpiNeedsNoXmm()
    {
        using var rig = new FlushRig(xmmInput: false);
        rig.Call(HvCallCode.HvCallSendSyntheticClusterIpi, InputForm.Fast, [Vec(0x22), 0b11]);

        Assert.Equal(HvStatus.Success, rig.Status);
        Assert.Equal(["0:0x22", "1:0x22"], rig.Ipi.Sent);
        Assert.Equal(0, rig.Io.XmmReads);
    }

    [Theory]
    [InlineData("linux", HvCallCode.HvCallSendSyntheticClusterIpi, HvStatus.AccessDenied)]
    [InlineData("linux", HvCallCode.HvCallFlushVirtualAddressSpaceEx, HvStatus.AccessDenied)]
    [InlineData("linux", HvCallCode.HvCallFlushVirtualAddressSpace, HvStatus.Success)]
    [InlineData("windows", HvCallCode.HvCallSendSyntheticClusterIpiEx, HvStatus.AccessDenied)]
    [InlineData("windows,+ipi", HvCallCode.HvCallSendSyntheticClusterIpiEx, HvStatus.Success)]
    [InlineData("linux,-tlbflush", HvCallCode.HvCallFlushVirtualAddressSpace, HvStatus.AccessDenied)]
    public void TheProfileDecidesAccess(string profile, HvCallCode code, HvStatus expected)
    {
        using var rig = new FlushRig(profile: profile);
        ulong[] input = code switch
        {
            HvCallCode.HvCallSendSyntheticClusterIpi => [Vec(0x20), 1],
            HvCallCode.HvCallSendSyntheticClusterIpiEx => [Vec(0x20), SetAll, 0],
            _ => [As, 0, 1, 0],
        };

        rig.Call(code, InputForm.Memory, input);

        Assert.Equal(expected, rig.Status);
    }

    [Fact]
    public void RegisterAllWithoutIpiSenderLeavesTheIpiCallsUnregistered()
    {
        using var memory = Vmm.Core.Memory.GuestMemory.CreateNative(1 << 16);
        var dispatcher = new Vmm.HyperV.Hypercalls.HypercallDispatcher(Vmm.HyperV.Cpuid.HyperVFeatureProfile.Parse(FlushRig.Profile), memory, 2);
        Vmm.HyperV.Hypercalls.FlushHypercalls.RegisterAll(dispatcher, new RecordingTlbFlushEngine(), null, Vmm.HyperV.TlbFlush.VpIndexMap.Identity(2));

        Assert.True(dispatcher.IsRegistered(HvCallCode.HvCallFlushVirtualAddressListEx));
        Assert.False(dispatcher.IsRegistered(HvCallCode.HvCallSendSyntheticClusterIpi));
        Assert.False(dispatcher.IsRegistered(HvCallCode.HvCallSendSyntheticClusterIpiEx));
    }
}

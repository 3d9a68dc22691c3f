using Vmm.Core.Memory;
using Vmm.HyperV.Cpuid;
using Vmm.HyperV.Hypercalls;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Tests.Hypercalls;

/// <summary>How a traced call's caller is read from guest memory, and what the record says when it cannot be.</summary>
public sealed class HypercallCallerTraceTests
{
    // Identity-mapped first 2 MiB through one large page: PML4 0x1000, PDPT 0x2000, PD 0x3000.
    private const ulong Cr3 = 0x1000;
    private const ulong Stack = 0x8000;
    private const ulong ReturnAddress = 0x5010;

    [Fact]
    public void ReturnAddressAndTheCodeBeforeItAreRecorded()
    {
        HypercallTraceRecord record = Trace(new Registers(true, Stack, Cr3));
        Assert.Equal(HypercallCallerState.Read, record.CallerState);
        Assert.Equal(ReturnAddress, record.ReturnAddress);
        Assert.Equal(HypercallCallSite.Length, record.CallSiteLength);
        HypercallCallSite site = record.CallSite;
        ReadOnlySpan<byte> bytes = site;
        Assert.Equal(new byte[] { 0x41, 0xFF, 0xD3 }, bytes[^3..].ToArray()); // call r11
    }

    [Theory]
    [InlineData(false, Stack, HypercallCallerState.RegistersUnavailable)]
    [InlineData(true, 0x40_0000UL, HypercallCallerState.StackUnreadable)]      // beyond the one mapped 2 MiB page
    [InlineData(true, 0x7FFF_FFFF_FFF8UL, HypercallCallerState.StackUnreadable)] // PML4 entry not present
    public void AnUnreadableCallerIsRecordedAsSuchAndTheCallStillEnds(bool readable, ulong rsp, HypercallCallerState expected)
    {
        HypercallTraceRecord record = Trace(new Registers(readable, rsp, Cr3));
        Assert.Equal(expected, record.CallerState);
        Assert.Equal(0UL, record.ReturnAddress);
        Assert.Equal(HvStatus.Success, record.Status);
    }

    [Fact]
    public void AReturnAddressIntoUnmappedCodeKeepsTheAddressButNoBytes()
    {
        HypercallTraceRecord record = Trace(new Registers(true, Stack + 8, Cr3));
        Assert.Equal(HypercallCallerState.CodeUnreadable, record.CallerState);
        Assert.Equal(0x40_0010UL, record.ReturnAddress);
        Assert.Equal(0, record.CallSiteLength);
    }

    [Fact]
    public void TheTransportsOwnRegistersArePreferredOverTheRegisterSource()
    {
        // The register source would fail; the transport's RSP/CR3 (KVM: the sync area) are used instead.
        HypercallTraceRecord record = Trace(new Registers(false, 0, 0), transport: (Stack, Cr3));
        Assert.Equal(HypercallCallerState.Read, record.CallerState);
        Assert.Equal(ReturnAddress, record.ReturnAddress);
    }

    [Fact]
    public void WithoutARegisterSourceNoCallerIsRead()
    {
        HypercallTraceRecord record = Trace(registers: null);
        Assert.Equal(HypercallCallerState.NotRead, record.CallerState);
    }

    private static HypercallTraceRecord Trace(IHypercallCallerRegisters? registers, (ulong, ulong)? transport = null)
    {
        using GuestMemory memory = GuestMemory.CreateNative(1 << 20);
        memory.Write(0x1000UL, 0x2000UL | 1);
        memory.Write(0x2000UL, 0x3000UL | 1);
        memory.Write(0x3000UL, 0UL | 1 | (1 << 7));                   // PD[0]: 2 MiB page at 0
        memory.Write(Stack, ReturnAddress);
        memory.Write(Stack + 8, 0x40_0010UL);                         // a return address outside the mapping
        memory.Write(ReturnAddress - 3, new byte[] { 0x41, 0xFF, 0xD3 });
        var tracer = new Recorder();
        var dispatcher = new HypercallDispatcher(
            HyperVFeatureProfile.Linux, memory, 1, tracer, new HypercallDispatcherOptions { CallerRegisters = registers });
        dispatcher.Register(new NotifyLongSpinWaitHypercall());
        var io = new FakeHypercallIo { Control = (ulong)HvCallCode.HvCallNotifyLongSpinWait | HypercallInput.FastBit, CallerRegisters = transport };
        dispatcher.Hypercall(io);
        Assert.Equal(1, io.Endings);
        return Assert.Single(tracer.Records);
    }

    private sealed record Registers(bool Readable, ulong Rsp, ulong PageTables) : IHypercallCallerRegisters
    {
        public bool TryRead(int processorIndex, out ulong stackPointer, out ulong pageTableBase)
        {
            stackPointer = Readable ? Rsp : 0;
            pageTableBase = Readable ? PageTables : 0;
            return Readable;
        }
    }

    private sealed class Recorder : IHypercallTracer
    {
        public List<HypercallTraceRecord> Records { get; } = [];

        public void OnHypercall(in HypercallTraceRecord record) => Records.Add(record);
    }
}

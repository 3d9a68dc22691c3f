using Vmm.Core.TlbFlush;
using Vmm.HyperV.Hypercalls;
using Vmm.HyperV.Tlfs;
using static Vmm.HyperV.Tests.Hypercalls.FlushCases;

namespace Vmm.HyperV.Tests.Hypercalls;

/// <summary>Flush and IPI calls through the dispatcher allocate nothing (docs/design.md#hot-path: no allocation on the exit path).</summary>
public sealed class FlushHypercallAllocationTests
{
    private const int Calls = 10_000;

    [Fact]
    public void FlushCallsAllocateNothing()
    {
        var service = new NoOpFlushEngine();
        var sender = new NoOpIpiSender();
        using var rig = new FlushRig(maxRepsPerInvocation: 0, extendedGvaRanges: true, service: service, sender: sender);
        ulong[] space = [As, 0, 0b11];
        ulong[] list = [As, EXT, 0, E(1, 0), HvGvaRange.CreateExtendedLarge(1, false, 3).Value, E(3, 7)];
        ulong[] spaceEx = [As, AVAS, Sparse, 0b111 | Bank63, 1, 2, 4, Bank63];
        ulong[] listEx = [As, 0, Sparse, 0b10, 0b10, E(1, 0), E(2, 0)];
        var longList = new ulong[3 + 40];
        longList[2] = 1;
        ulong[] bad = [As, 1UL << 40, 1];
        ulong[] ipi = [Vec(0x20), 0b11];
        ulong[] ipiEx = [Vec(0x20), SetAll, 0];

        void Mix(int i)
        {
            InputForm form = (i & 1) == 0 ? InputForm.Memory : InputForm.Fast;
            switch (i % 16 / 2)
            {
                case 0: rig.Call(HvCallCode.HvCallFlushVirtualAddressSpace, form, space); break;
                case 1: rig.Call(HvCallCode.HvCallFlushVirtualAddressList, form, list, repCount: 3, repStart: i % 3); break;
                case 2: rig.Call(HvCallCode.HvCallFlushVirtualAddressSpaceEx, form, spaceEx, variableHeader: 4); break;
                case 3: rig.Call(HvCallCode.HvCallFlushVirtualAddressListEx, form, listEx, variableHeader: 1, repCount: 2); break;
                case 4: rig.Call(HvCallCode.HvCallFlushVirtualAddressList, InputForm.Memory, longList, repCount: 40); break;
                case 5: rig.Call(HvCallCode.HvCallFlushVirtualAddressSpace, form, bad); break;
                case 6: rig.Call(HvCallCode.HvCallSendSyntheticClusterIpi, form, ipi); break;
                default: rig.Call(HvCallCode.HvCallSendSyntheticClusterIpiEx, form, ipiEx); break;
            }
        }

        for (int i = 0; i < 64; i++)
        {
            Mix(i); // warm-up: JIT, tiering
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Calls; i++)
        {
            Mix(i);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(service.Calls > Calls / 2, $"{service.Calls} engine calls");
        Assert.True(sender.Sent > Calls / 8, $"{sender.Sent} interrupts");
    }

    private sealed class NoOpFlushEngine : ITlbFlushEngine
    {
        public int Calls { get; private set; }

        public string StrategyName => "none";

        public TlbFlushResult Flush(int requester, in TlbFlushRequest request)
        {
            Calls++;
            return new TlbFlushResult(request.CountIn(FlushRig.VcpuCount), 0, TimeSpan.Zero, Complete: true);
        }
    }

    private sealed class NoOpIpiSender : ISyntheticIpiSender
    {
        public int Sent { get; private set; }

        public void SendFixedInterrupt(int vcpu, byte vector) => Sent++;
    }
}

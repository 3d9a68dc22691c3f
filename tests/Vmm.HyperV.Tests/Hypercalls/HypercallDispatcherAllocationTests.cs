using Vmm.HyperV.Tlfs;
using static Vmm.HyperV.Tests.Hypercalls.DispatchHarness;

namespace Vmm.HyperV.Tests.Hypercalls;

/// <summary>Untraced dispatch allocates nothing per call (docs/design.md#hot-path: no allocation on the exit path).</summary>
public sealed class HypercallDispatcherAllocationTests
{
    private const int Calls = 10_000;

    [Fact]
    public void UntracedCallsAllocateNothing()
    {
        using var h = new DispatchHarness(xmmInput: true, xmmOutput: true, maxRepsPerInvocation: 2);
        ulong nullCall = HypercallInput.Create(HvCallCode.HvCallNotifyLongSpinWait, isFast: true).Value;
        ulong memoryList = HypercallInput.Create(HvCallCode.HvCallFlushVirtualAddressList, repCount: 2).Value;
        ulong continued = HypercallInput.Create(HvCallCode.HvCallFlushVirtualAddressList, repCount: 5).Value;
        ulong failing = HypercallInput.Create(HvCallCode.HvCallGetVpIndexFromApicId, repCount: 2).Value;
        ulong xmmOutput = HypercallInput.Create(HvCallCode.HvCallGetVpIndexFromApicId, isFast: true, repCount: 2).Value;
        ulong denied = HypercallInput.Create(HvCallCode.HvCallSendSyntheticClusterIpi, isFast: true).Value;
        ulong unknown = 0x0004;

        void Mix(int i)
        {
            switch (i % 8)
            {
                case 0: h.Call(memoryList, ListInput); break;
                case 1: h.Call(continued, ListInput); break;
                case 2: h.Call(failing, ApicFailInput + 8, OutputPage); break;
                case 3: h.Call(xmmOutput); break;
                case 4: h.Call(denied); break;
                case 5: h.Call(unknown, cpl: i % 3 == 0 ? 3 : 0); break;
                case 6: h.Call(memoryList, RamSize); break;
                default: h.Call(nullCall); break;
            }
        }

        for (int i = 0; i < 64; i++)
        {
            Mix(i); // warm-up: first calls JIT, fill caches
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Calls; i++)
        {
            Mix(i);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(1, h.Io.Endings);
    }
}

using Vmm.Core.Machine;

namespace Vmm.Core.Tests.Machine;

public sealed class VcpuStopStateTests
{
    private static readonly VcpuStopState s_settled = new(2, InGuest: true, 1200, 40, KicksRequested: 40, KicksAcknowledged: 40, 35, FlushQueued: false, "RIP 0xFFFFFFFF81000000");

    [Fact]
    public void AVcpuInTheGuestWithEveryKickAcknowledgedAndNoFlushQueuedIsOwedNothing() =>
        Assert.True(s_settled.VmmOwedNothing);

    [Fact]
    public void AVcpuOutsideTheGuestAnOpenKickOrAQueuedFlushPutsTheHangOnVmmsSide()
    {
        Assert.False((s_settled with { InGuest = false }).VmmOwedNothing);
        Assert.False((s_settled with { KicksRequested = 41 }).VmmOwedNothing);
        Assert.False((s_settled with { FlushQueued = true }).VmmOwedNothing);
    }

    [Fact]
    public void TheLineSaysWhereTheVcpuWasAndWhatVmmOwedIt()
    {
        Assert.Equal(
            "vCPU 2: RIP 0xFFFFFFFF81000000; when stopped: in the guest, exits 1200 (40 by kicks), kicks acknowledged 40 of 40, flushes applied 35",
            s_settled.ToString());
        Assert.EndsWith("outside the guest, exits 1200 (40 by kicks), kicks acknowledged 40 of 41, flushes applied 35, one queued",
            (s_settled with { InGuest = false, KicksRequested = 41, FlushQueued = true }).ToString(), StringComparison.Ordinal);
    }
}

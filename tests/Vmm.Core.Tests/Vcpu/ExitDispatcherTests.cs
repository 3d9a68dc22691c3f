using Vmm.Core.Devices;
using Vmm.Core.Devices.Legacy;
using Vmm.Core.Hypervisor;
using Vmm.Core.Vcpu;

namespace Vmm.Core.Tests.Vcpu;

public sealed class ExitDispatcherTests
{
    [Fact]
    public void UnclaimedPortReadsAllOnesAndWritesAreDropped()
    {
        var dispatcher = new ExitDispatcher(new DeviceBus("pio"), new DeviceBus("mmio"), Serilog.Core.Logger.None);
        Span<byte> data = stackalloc byte[4];
        dispatcher.PortRead(0, 0x1234, data);
        Assert.Equal(0xFFFF_FFFFu, BitConverter.ToUInt32(data));
        dispatcher.PortWrite(0, 0x1234, data);
        dispatcher.MmioRead(0, 0xFEC0_0000, data);
        Assert.Equal(0xFFFF_FFFFu, BitConverter.ToUInt32(data));
    }

    [Fact]
    public void MsrsFaultWithoutAHandlerAndReachTheHandlerWithOne()
    {
        var dispatcher = new ExitDispatcher(new DeviceBus("pio"), new DeviceBus("mmio"), Serilog.Core.Logger.None);
        Assert.Equal(MsrAccessResult.GeneralProtection, dispatcher.MsrRead(0, 0x4000_0000, out _));
        Assert.Equal(MsrAccessResult.GeneralProtection, dispatcher.MsrWrite(0, 0x4000_0000, 1));
        var msrs = new RecordingMsrs();
        dispatcher.MsrHandler = msrs;
        Assert.Equal(MsrAccessResult.Ok, dispatcher.MsrWrite(2, 0x4000_0000, 0x1234));
        Assert.Equal(MsrAccessResult.Ok, dispatcher.MsrRead(2, 0x4000_0000, out ulong value));
        Assert.Equal(0x1234UL, value);
    }

    [Theory]
    [InlineData(new byte[] { 0 }, 0u)]
    [InlineData(new byte[] { 7 }, 7u)]
    [InlineData(new byte[] { 0x34, 0x12 }, 0x1234u)]
    [InlineData(new byte[] { 0x0D, 0, 0, 0xE0 }, 0xE000_000Du)]
    public void GuestExitPortDeliversTheStatusOfAnyAccessWidth(byte[] write, uint status)
    {
        uint? seen = null;
        var ports = new DeviceBus("pio");
        ports.Insert(new BusRange(StandardPorts.GuestExit, GuestExitDevice.WindowSize), new GuestExitDevice(s => seen = s));
        var dispatcher = new ExitDispatcher(ports, new DeviceBus("mmio"), Serilog.Core.Logger.None);
        dispatcher.PortWrite(0, StandardPorts.GuestExit, write);
        Assert.Equal(status, seen);
    }

    [Fact]
    public void BenchCounterTimesTheSpanFromFirstToLastWrite()
    {
        var bench = new BenchCounterDevice();
        Assert.True(double.IsNaN(bench.MicrosecondsPerExit));
        for (int i = 0; i < 3; i++)
        {
            bench.Write(0, [1]);
            Thread.Sleep(5);
        }

        Assert.Equal(3, bench.Count);
        Assert.InRange(bench.MicrosecondsPerExit, 4_000, 1_000_000);
    }

    private sealed class RecordingMsrs : IMsrHandler
    {
        private ulong _value;

        public MsrAccessResult Read(int processorIndex, uint index, out ulong value)
        {
            value = _value;
            return MsrAccessResult.Ok;
        }

        public MsrAccessResult Write(int processorIndex, uint index, ulong value)
        {
            _value = value;
            return MsrAccessResult.Ok;
        }
    }
}

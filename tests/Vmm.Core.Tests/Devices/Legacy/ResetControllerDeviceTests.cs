using Vmm.Core.Devices.Legacy;

namespace Vmm.Core.Tests.Devices.Legacy;

public sealed class ResetControllerDeviceTests
{
    [Fact]
    public void OnlyTheResetCommandResets()
    {
        int resets = 0;
        var device = new ResetControllerDevice(() => resets++);
        device.Write(0, [0xFF]);
        device.Write(0, [0xD1]);
        device.Write(0, [0xFE, 0x00]);
        Assert.Equal(0, resets);
        device.Write(0, [0xFE]);
        Assert.Equal(1, resets);
    }

    [Fact]
    public void TheStatusSaysNoControllerToTheDriverAndReadyForACommandToTheRebootPath()
    {
        var device = new ResetControllerDevice(() => { });
        Span<byte> status = stackalloc byte[1];
        device.Read(0, status);
        Assert.Equal(0x01, status[0] & 0x01); // OBF never clears: Linux's i8042_flush gives up, "No controller found"
        Assert.Equal(0x00, status[0] & 0x02); // IBF clear: kb_wait in Linux's reboot path returns at its first read
    }
}

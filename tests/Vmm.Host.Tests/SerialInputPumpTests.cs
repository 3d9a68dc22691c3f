using Vmm.Core.Devices;
using Vmm.Core.Devices.Serial;

namespace Vmm.Host.Tests;

public sealed class SerialInputPumpTests
{
    private const ulong ReceiveBuffer = 0; // RBR (DLAB = 0)
    private const ulong LineStatus = 5;    // LSR; bit 0 = data ready

    [Fact]
    public void EveryByteOfTheInputReachesTheGuestInOrderThoughTheFifoHoldsSixtyFour()
    {
        byte[] input = Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray();
        var uart = new Uart16550(NullInterruptLine.Instance, null);
        using var pump = new SerialInputPump(new MemoryStream(input), uart);
        byte[] received = DrainLikeADriver(uart, input.Length);
        Assert.Equal(input, received);
        Assert.Equal(input.Length, pump.Delivered);
    }

    [Fact]
    public void WithoutThePumpsPacingInputBeyondTheFifoIsLost()
    {
        // Negative control: the UART itself keeps only what fits, so the pacing above is what delivers the rest.
        var uart = new Uart16550(NullInterruptLine.Instance, null);
        uart.EnqueueInput(new byte[5000]);
        Assert.Equal(Uart16550.ReceiveFifoCapacity, uart.ReceiveFifoCount);
    }

    /// <summary>Polls LSR.DR and reads RBR, as a polling serial driver on the guest does, until <paramref name="count"/> bytes came.</summary>
    private static byte[] DrainLikeADriver(Uart16550 uart, int count)
    {
        var received = new List<byte>(count);
        Span<byte> register = stackalloc byte[1];
        long deadline = Environment.TickCount64 + 30_000;
        while (received.Count < count)
        {
            Assert.True(Environment.TickCount64 < deadline, $"only {received.Count} of {count} bytes arrived");
            uart.Read(LineStatus, register);
            if ((register[0] & 1) == 0)
            {
                Thread.Yield();
                continue;
            }

            uart.Read(ReceiveBuffer, register);
            received.Add(register[0]);
        }

        return [.. received];
    }
}

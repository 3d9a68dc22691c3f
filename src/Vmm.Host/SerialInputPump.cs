using Vmm.Core.Devices.Serial;

namespace Vmm.Host;

/// <summary>
/// Carries the host's standard input to the guest's COM1 (`--serial stdio`, as QEMU's `-serial stdio` does), so a
/// shell on the guest's console is usable. The UART's receive FIFO holds 64 bytes and drops what does not fit, as
/// a real 16550 does when its driver falls behind; the pump instead waits until the guest has made room, so pasted
/// or piped input is never lost.
/// </summary>
/// <remarks>
/// One background thread per run. A read from a terminal cannot be interrupted, so <see cref="Dispose"/> only tells
/// the thread to stop once its read returns; being a background thread, it never keeps the process alive.
/// </remarks>
public sealed class SerialInputPump : IDisposable
{
    private readonly Stream _input;
    private readonly Uart16550 _uart;
    private readonly Thread _thread;
    private volatile bool _stopped;
    private long _delivered;

    /// <summary>Starts pumping <paramref name="input"/> into <paramref name="uart"/>.</summary>
    public SerialInputPump(Stream input, Uart16550 uart)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(uart);
        _input = input;
        _uart = uart;
        _thread = new Thread(Pump) { IsBackground = true, Name = "vmm serial input" };
        _thread.Start();
    }

    /// <summary>Bytes handed to the guest so far.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>True once the input has ended (EOF) and every byte of it is in the UART.</summary>
    public bool Finished => !_thread.IsAlive;

    /// <inheritdoc />
    public void Dispose() => _stopped = true;

    private void Pump()
    {
        var buffer = new byte[256];
        try
        {
            int read;
            while (!_stopped && (read = _input.Read(buffer, 0, buffer.Length)) > 0)
            {
                for (int sent = 0; sent < read && !_stopped;)
                {
                    int room = Uart16550.ReceiveFifoCapacity - _uart.ReceiveFifoCount;
                    if (room <= 0)
                    {
                        Thread.Sleep(1); // the guest drains the FIFO at its own pace
                        continue;
                    }

                    int n = Math.Min(room, read - sent);
                    _uart.EnqueueInput(buffer.AsSpan(sent, n));
                    sent += n;
                    Interlocked.Add(ref _delivered, n);
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // stdin went away: the guest simply gets no more input
        }
    }
}

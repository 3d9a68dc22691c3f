namespace Vmm.Core.Devices.Serial;

/// <summary>
/// A National Semiconductor PC16550D-compatible UART (the "16550A" every PC operating system knows), emulated
/// as a register state machine on an 8-port bus window (COM1 is 0x3F8-0x3FF). Bytes the guest transmits go
/// to a host stream; bytes the host supplies through <see cref="EnqueueInput"/> arrive in the receive FIFO.
/// </summary>
/// <remarks>
/// <para>
/// Transmission is instantaneous: the transmitter holding register (THR) and shift register are always
/// empty, so LSR.THRE and LSR.TEMT always read 1 and there is no transmit FIFO to fill. Baud rate, word
/// length, parity and stop bits are stored for the guest to read back but have no effect: every byte the
/// guest writes is passed to the output unchanged.
/// </para>
/// <para>
/// Thread-safety: every public member takes one private lock, so several vCPU threads and a host input
/// thread may use the device at once. The output stream and the interrupt line are called while that lock
/// is held. This keeps guest output in the order the guest wrote it and keeps interrupt level changes in
/// the order they happened, at the cost of making a slow output stream stall the vCPU that writes to it;
/// the interrupt line must therefore never call back into this device.
/// </para>
/// <para>
/// The guest can never make this device throw: unknown offsets read as all ones, and an output stream that
/// fails is disconnected (see <see cref="OutputFailure"/>) rather than failing the vCPU.
/// </para>
/// </remarks>
public sealed class Uart16550 : IBusDevice
{
    /// <summary>
    /// Depth of the receive FIFO in bytes. The PC16550D's FIFO holds 16; a deeper one lets a burst of host
    /// input (a paste) survive between two guest reads. Guests cannot observe the depth except by overrunning it.
    /// </summary>
    public const int ReceiveFifoCapacity = 64;

    // Register offsets within the 8-port window (the PC16550D register map, address lines A2-A0).
    private const byte RbrThrDll = 0; // Receiver Buffer (read) / Transmitter Holding (write); Divisor Latch LSB when LCR.DLAB=1
    private const byte IerDlm = 1;    // Interrupt Enable; Divisor Latch MSB when LCR.DLAB=1
    private const byte IirFcr = 2;    // Interrupt Identification (read) / FIFO Control (write)
    private const byte Lcr = 3;       // Line Control
    private const byte Mcr = 4;       // Modem Control
    private const byte Lsr = 5;       // Line Status
    private const byte Msr = 6;       // Modem Status
    private const byte Scr = 7;       // Scratch

    // IER bits.
    private const byte IerReceivedDataAvailable = 0b0000_0001; // ERBFI: Enable Received Data Available Interrupt
    private const byte IerThrEmpty = 0b0000_0010;              // ETBEI: Enable Transmitter Holding Register Empty Interrupt
    private const byte IerReceiverLineStatus = 0b0000_0100;    // ELSI: Enable Receiver Line Status Interrupt
    private const byte IerModemStatus = 0b0000_1000;           // EDSSI: Enable Modem Status Interrupt
    private const byte IerWritableMask = 0b0000_1111;          // Bits 4-7 are always 0 on the 16550.

    // IIR values: bit 0 is "no interrupt pending", bits 1-2 identify the highest-priority pending source.
    private const byte IirNoInterruptPending = 0b0000_0001;    // Bit 0 = 1: no interrupt pending
    private const byte IirReceiverLineStatus = 0b0000_0110;    // Priority 1: overrun, parity, framing error or break
    private const byte IirReceivedDataAvailable = 0b0000_0100; // Priority 2: received data available
    private const byte IirThrEmpty = 0b0000_0010;              // Priority 3: transmitter holding register empty
    private const byte IirModemStatus = 0b0000_0000;           // Priority 4: CTS, DSR, RI or DCD changed
    private const byte IirFifosEnabled = 0b1100_0000;          // Bits 6-7: both set when FCR0 enabled the FIFOs

    // FCR bits (bit 3, DMA mode select, and bits 6-7, the receive trigger level, do not matter without timing).
    private const byte FcrFifoEnable = 0b0000_0001;    // FIFO Enable; the other bits are only written when this is 1
    private const byte FcrReceiverReset = 0b0000_0010; // RCVR FIFO Reset: clears the receive FIFO
    // Bit 2, XMIT FIFO Reset, needs no handling: the transmit FIFO is always empty.

    // LCR bits (bits 0-6 select word length, stop bits, parity and break; stored, never interpreted).
    private const byte LcrDivisorLatchAccess = 0b1000_0000; // DLAB: offsets 0 and 1 address the divisor latch

    // MCR bits.
    private const byte McrDataTerminalReady = 0b0000_0001; // DTR
    private const byte McrRequestToSend = 0b0000_0010;     // RTS
    private const byte McrOut1 = 0b0000_0100;              // OUT1, a spare output
    private const byte McrOut2 = 0b0000_1000;              // OUT2: on the PC it gates the UART's IRQ onto the bus
    private const byte McrLoopback = 0b0001_0000;          // LOOP: transmitter wired to receiver, MCR wired to MSR
    private const byte McrWritableMask = 0b0001_1111;      // Bits 5-7 are always 0 on the 16550.

    // LSR bits. Parity error (bit 2), framing error (bit 3), break interrupt (bit 4) and error in RCVR FIFO
    // (bit 7) never occur: emulated bytes arrive intact.
    private const byte LsrDataReady = 0b0000_0001;           // DR: the receive FIFO holds at least one byte
    private const byte LsrOverrunError = 0b0000_0010;        // OE: a byte arrived while the FIFO was full; cleared by reading LSR
    private const byte LsrThrEmpty = 0b0010_0000;            // THRE: the guest may write THR
    private const byte LsrTransmitterEmpty = 0b0100_0000;    // TEMT: THR and the transmitter shift register are both empty

    // MSR bits: 0-3 are "changed since MSR was last read" flags, 4-7 the current modem input lines.
    private const byte MsrDeltaClearToSend = 0b0000_0001;     // DCTS: CTS changed
    private const byte MsrDeltaDataSetReady = 0b0000_0010;    // DDSR: DSR changed
    private const byte MsrTrailingEdgeRingIndicator = 0b0000_0100; // TERI: RI went from on to off
    private const byte MsrDeltaDataCarrierDetect = 0b0000_1000;    // DDCD: DCD changed
    private const byte MsrClearToSend = 0b0001_0000;          // CTS (RTS in loopback)
    private const byte MsrDataSetReady = 0b0010_0000;         // DSR (DTR in loopback)
    private const byte MsrRingIndicator = 0b0100_0000;        // RI (OUT1 in loopback)
    private const byte MsrDataCarrierDetect = 0b1000_0000;    // DCD (OUT2 in loopback)

    // With nothing attached to the modem lines we report a connected, ready peer, so drivers that wait for
    // CTS, DSR or carrier before transmitting (some boot loaders and getty setups do) go ahead.
    private const byte MsrLinesWhenConnected = MsrClearToSend | MsrDataSetReady | MsrDataCarrierDetect;

    // The divisor a PC BIOS programs for COM1 (115200 / 12 = 9600 baud). The chip leaves the latch undefined
    // at reset; no firmware runs before our guests, and Linux's earlycon divides by the latch to guess the
    // baud rate, so it must not read back 0.
    private const ushort InitialDivisor = 12;

    // 8 data bits, no parity, 1 stop bit: what firmware leaves behind, for the same reason as the divisor.
    private const byte InitialLineControl = 0b0000_0011;

    private readonly Lock _lock = new();
    private readonly IInterruptLine _interruptLine;
    private readonly Stream? _output;
    private readonly byte[] _receiveFifo = new byte[ReceiveFifoCapacity];
    private int _receiveHead;
    private int _receiveCount;

    private byte _interruptEnable;
    private byte _lineControl = InitialLineControl;
    private byte _modemControl;
    private byte _lineStatusErrors;
    private byte _modemStatusDeltas;
    private byte _scratch;
    private ushort _divisor = InitialDivisor;
    private bool _fifosEnabled;

    // The THRE interrupt is an event, not a level: it is raised when THR becomes empty (after each THR write,
    // since transmission is instantaneous) or when ETBEI is switched on, and cleared by reading IIR while IIR
    // reports it (PC16550D, Interrupt Identification Register: THRE's reset conditions).
    private bool _thrEmptyPending;

    private bool _interruptLevel;
    private Exception? _outputFailure;

    /// <summary>Creates a UART in its reset state.</summary>
    /// <param name="interruptLine">The line the UART drives; it is set only when the level changes.</param>
    /// <param name="output">
    /// Where transmitted bytes go; null discards them. The stream is flushed after each line feed and by
    /// <see cref="Flush"/>, and is not disposed by this device.
    /// </param>
    public Uart16550(IInterruptLine interruptLine, Stream? output)
    {
        ArgumentNullException.ThrowIfNull(interruptLine);
        _interruptLine = interruptLine;
        _output = output;
    }

    /// <summary>The line control register (word length, stop bits, parity, break, DLAB).</summary>
    public byte LineControl
    {
        get
        {
            lock (_lock)
            {
                return _lineControl;
            }
        }
    }

    /// <summary>The modem control register (DTR, RTS, OUT1, OUT2, LOOP).</summary>
    public byte ModemControl
    {
        get
        {
            lock (_lock)
            {
                return _modemControl;
            }
        }
    }

    /// <summary>The interrupt enable register.</summary>
    public byte InterruptEnable
    {
        get
        {
            lock (_lock)
            {
                return _interruptEnable;
            }
        }
    }

    /// <summary>The 16-bit baud rate divisor (DLM:DLL); the baud rate is 115200 / divisor.</summary>
    public ushort DivisorLatch
    {
        get
        {
            lock (_lock)
            {
                return _divisor;
            }
        }
    }

    /// <summary>True when the guest enabled the FIFOs through FCR.</summary>
    public bool FifosEnabled
    {
        get
        {
            lock (_lock)
            {
                return _fifosEnabled;
            }
        }
    }

    /// <summary>Number of received bytes waiting for the guest; input beyond <see cref="ReceiveFifoCapacity"/> is lost.</summary>
    public int ReceiveFifoCount
    {
        get
        {
            lock (_lock)
            {
                return _receiveCount;
            }
        }
    }

    /// <summary>The level the UART currently drives on its interrupt line.</summary>
    public bool InterruptLevel
    {
        get
        {
            lock (_lock)
            {
                return _interruptLevel;
            }
        }
    }

    /// <summary>
    /// The error that disconnected the output stream, or null. After the first failed write or flush, later
    /// output is discarded so that a closed pipe cannot fail or slow down the guest.
    /// </summary>
    public Exception? OutputFailure
    {
        get
        {
            lock (_lock)
            {
                return _outputFailure;
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>Only <paramref name="data"/>[0] is read from the register at <paramref name="offset"/>; wider accesses read the rest as 0xFF.</remarks>
    public void Read(ulong offset, Span<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        // The 16550 has an 8-bit data bus: a wider access reaches one register and the upper byte lanes float.
        data[1..].Fill(0xFF);
        if (offset > Scr)
        {
            data[0] = 0xFF;
            return;
        }

        lock (_lock)
        {
            data[0] = ReadRegister((byte)offset);
            UpdateInterruptLine();
        }
    }

    /// <inheritdoc />
    /// <remarks>Only <paramref name="data"/>[0] is written to the register at <paramref name="offset"/>; the rest of a wider access is dropped.</remarks>
    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty || offset > Scr)
        {
            return;
        }

        lock (_lock)
        {
            WriteRegister((byte)offset, data[0]);
            UpdateInterruptLine();
        }
    }

    /// <summary>
    /// Delivers bytes from the host side of the line (for example a console's stdin) to the receive FIFO.
    /// Bytes that do not fit are lost and set LSR.OE, as on a real UART whose driver falls behind.
    /// </summary>
    /// <remarks>
    /// In loopback mode the serial input is disconnected from the receiver (PC16550D, MCR bit 4), so the
    /// bytes are discarded; the guest only sees what it transmits itself.
    /// </remarks>
    public void EnqueueInput(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        lock (_lock)
        {
            if ((_modemControl & McrLoopback) != 0)
            {
                return;
            }

            foreach (byte b in bytes)
            {
                Receive(b);
            }

            UpdateInterruptLine();
        }
    }

    /// <summary>
    /// Flushes the output stream, for output the guest left without a trailing line feed (a shell prompt)
    /// or before the host exits.
    /// </summary>
    public void Flush()
    {
        lock (_lock)
        {
            if (_output is null || _outputFailure is not null)
            {
                return;
            }

            try
            {
                _output.Flush();
            }
            catch (Exception ex) when (IsOutputFailure(ex))
            {
                _outputFailure = ex;
            }
        }
    }

    private static bool IsOutputFailure(Exception ex) =>
        ex is IOException or ObjectDisposedException or NotSupportedException;

    private bool DivisorLatchAccess => (_lineControl & LcrDivisorLatchAccess) != 0;

    private bool Loopback => (_modemControl & McrLoopback) != 0;

    private byte ReadRegister(byte offset)
    {
        switch (offset)
        {
            case RbrThrDll:
                return DivisorLatchAccess ? (byte)_divisor : ReadReceiveBuffer();
            case IerDlm:
                return DivisorLatchAccess ? (byte)(_divisor >> 8) : _interruptEnable;
            case IirFcr:
                return ReadInterruptIdentification();
            case Lcr:
                return _lineControl;
            case Mcr:
                return _modemControl;
            case Lsr:
                return ReadLineStatus();
            case Msr:
                return ReadModemStatus();
            default:
                return _scratch;
        }
    }

    private void WriteRegister(byte offset, byte value)
    {
        switch (offset)
        {
            case RbrThrDll:
                if (DivisorLatchAccess)
                {
                    _divisor = (ushort)((_divisor & 0xFF00) | value);
                }
                else
                {
                    Transmit(value);
                }

                break;
            case IerDlm:
                if (DivisorLatchAccess)
                {
                    _divisor = (ushort)((_divisor & 0x00FF) | (value << 8));
                }
                else
                {
                    WriteInterruptEnable(value);
                }

                break;
            case IirFcr:
                WriteFifoControl(value);
                break;
            case Lcr:
                _lineControl = value;
                break;
            case Mcr:
                WriteModemControl(value);
                break;
            case Lsr:
            case Msr:
                // LSR and MSR report line state. The PC16550D reserves writing LSR for factory testing, and
                // letting a guest forge line errors or modem changes would serve no driver, so both are ignored.
                break;
            default:
                _scratch = value;
                break;
        }
    }

    private byte ReadReceiveBuffer()
    {
        if (_receiveCount == 0)
        {
            // Reading an empty RBR is a driver bug; the chip returns stale data, 0 is as good.
            return 0;
        }

        byte value = _receiveFifo[_receiveHead];
        _receiveHead = (_receiveHead + 1) % ReceiveFifoCapacity;
        _receiveCount--;
        return value;
    }

    private byte ReadInterruptIdentification()
    {
        byte id = IdentifyInterrupt();
        if (id == IirThrEmpty)
        {
            // Reading IIR while it names THRE is one of the two ways to acknowledge that interrupt.
            _thrEmptyPending = false;
        }

        return (byte)(id | (_fifosEnabled ? IirFifosEnabled : 0));
    }

    private byte ReadLineStatus()
    {
        byte value = (byte)(LsrThrEmpty | LsrTransmitterEmpty | _lineStatusErrors);
        if (_receiveCount > 0)
        {
            value |= LsrDataReady;
        }

        // Error bits report "since the last LSR read": reading LSR clears them and the line status interrupt.
        _lineStatusErrors = 0;
        return value;
    }

    private byte ReadModemStatus()
    {
        byte value = (byte)(ModemStatusLines(_modemControl) | _modemStatusDeltas);
        // Delta bits report "since the last MSR read": reading MSR clears them and the modem status interrupt.
        _modemStatusDeltas = 0;
        return value;
    }

    private void WriteInterruptEnable(byte value)
    {
        value &= IerWritableMask;
        if ((value & IerThrEmpty) != 0 && (_interruptEnable & IerThrEmpty) == 0)
        {
            // Enabling ETBEI while THR is empty (it always is) raises THRE at once. Drivers rely on this to
            // start transmitting from their interrupt handler; Linux's 8250 driver even probes for it.
            _thrEmptyPending = true;
        }

        _interruptEnable = value;
    }

    private void WriteFifoControl(byte value)
    {
        if ((value & FcrFifoEnable) == 0)
        {
            // With FCR0 clear the other bits are not written; switching the FIFOs off resets them.
            if (_fifosEnabled)
            {
                ClearReceiveFifo();
                _fifosEnabled = false;
            }

            return;
        }

        // Switching between FIFO and character mode resets the FIFOs too.
        if (!_fifosEnabled || (value & FcrReceiverReset) != 0)
        {
            ClearReceiveFifo();
        }

        _fifosEnabled = true;
    }

    private void WriteModemControl(byte value)
    {
        byte linesBefore = ModemStatusLines(_modemControl);
        _modemControl = (byte)(value & McrWritableMask);
        byte linesAfter = ModemStatusLines(_modemControl);

        // In loopback the modem inputs follow MCR, so an MCR write can change them and must set the delta
        // bits a real peer would; drivers test the modem status interrupt this way.
        byte changed = (byte)(linesBefore ^ linesAfter);
        if ((changed & MsrClearToSend) != 0)
        {
            _modemStatusDeltas |= MsrDeltaClearToSend;
        }

        if ((changed & MsrDataSetReady) != 0)
        {
            _modemStatusDeltas |= MsrDeltaDataSetReady;
        }

        if ((linesBefore & MsrRingIndicator) != 0 && (linesAfter & MsrRingIndicator) == 0)
        {
            _modemStatusDeltas |= MsrTrailingEdgeRingIndicator;
        }

        if ((changed & MsrDataCarrierDetect) != 0)
        {
            _modemStatusDeltas |= MsrDeltaDataCarrierDetect;
        }
    }

    private static byte ModemStatusLines(byte modemControl)
    {
        if ((modemControl & McrLoopback) == 0)
        {
            return MsrLinesWhenConnected;
        }

        // Loopback wiring (PC16550D, MCR bit 4): RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD.
        byte lines = 0;
        if ((modemControl & McrRequestToSend) != 0)
        {
            lines |= MsrClearToSend;
        }

        if ((modemControl & McrDataTerminalReady) != 0)
        {
            lines |= MsrDataSetReady;
        }

        if ((modemControl & McrOut1) != 0)
        {
            lines |= MsrRingIndicator;
        }

        if ((modemControl & McrOut2) != 0)
        {
            lines |= MsrDataCarrierDetect;
        }

        return lines;
    }

    private void Transmit(byte value)
    {
        if (Loopback)
        {
            Receive(value);
        }
        else
        {
            WriteOutput(value);
        }

        // The byte left THR at once, so THR is empty again and THRE is raised anew.
        _thrEmptyPending = true;
    }

    private void WriteOutput(byte value)
    {
        if (_output is null || _outputFailure is not null)
        {
            return;
        }

        try
        {
            _output.WriteByte(value);
            if (value == (byte)'\n')
            {
                // Flush per line, not per byte: a file or pipe sees whole lines promptly without a system
                // call for every character.
                _output.Flush();
            }
        }
        catch (Exception ex) when (IsOutputFailure(ex))
        {
            // The guest cannot do anything about a broken host stream, and the vCPU must not fail for it.
            _outputFailure = ex;
        }
    }

    private void Receive(byte value)
    {
        if (_receiveCount == ReceiveFifoCapacity)
        {
            // On overrun the FIFO keeps what it has and the new character is lost (PC16550D, LSR bit 1).
            _lineStatusErrors |= LsrOverrunError;
            return;
        }

        _receiveFifo[(_receiveHead + _receiveCount) % ReceiveFifoCapacity] = value;
        _receiveCount++;
    }

    private void ClearReceiveFifo()
    {
        _receiveHead = 0;
        _receiveCount = 0;
    }

    private byte IdentifyInterrupt()
    {
        // Sources in priority order. Received data is reported as soon as one byte is there, whatever the FIFO
        // trigger level: without timing there is no character timeout to deliver the tail of a short burst.
        if ((_interruptEnable & IerReceiverLineStatus) != 0 && _lineStatusErrors != 0)
        {
            return IirReceiverLineStatus;
        }

        if ((_interruptEnable & IerReceivedDataAvailable) != 0 && _receiveCount > 0)
        {
            return IirReceivedDataAvailable;
        }

        if ((_interruptEnable & IerThrEmpty) != 0 && _thrEmptyPending)
        {
            return IirThrEmpty;
        }

        if ((_interruptEnable & IerModemStatus) != 0 && _modemStatusDeltas != 0)
        {
            return IirModemStatus;
        }

        return IirNoInterruptPending;
    }

    private void UpdateInterruptLine()
    {
        // On the PC the UART's INTRPT pin reaches the interrupt controller through a buffer enabled by OUT2,
        // which is why drivers set OUT2 before expecting interrupts.
        bool level = IdentifyInterrupt() != IirNoInterruptPending && (_modemControl & McrOut2) != 0;
        if (level != _interruptLevel)
        {
            _interruptLevel = level;
            _interruptLine.Set(level);
        }
    }
}

using System.Text;
using Vmm.Core.Devices.Serial;
using Xunit;

namespace Vmm.Core.Tests.Devices.Serial;

public sealed class Uart16550Tests : IDisposable
{
    // Register offsets and bits restated from the PC16550D datasheet, so that these tests pin the guest-visible
    // values rather than whatever the implementation's constants happen to be.
    private const ulong Rbr = 0, Thr = 0, Dll = 0, Ier = 1, Dlm = 1, Iir = 2, Fcr = 2, Lcr = 3, Mcr = 4, Lsr = 5, Msr = 6, Scr = 7;

    private const byte IerErbfi = 0x01, IerEtbei = 0x02, IerElsi = 0x04, IerEdssi = 0x08;
    private const byte IirNone = 0x01, IirLineStatus = 0x06, IirDataAvailable = 0x04, IirThrEmpty = 0x02, IirModemStatus = 0x00;
    private const byte IirFifoBits = 0xC0;
    private const byte FcrEnable = 0x01, FcrClearRx = 0x02, FcrClearTx = 0x04;
    private const byte LcrDlab = 0x80;
    private const byte McrDtr = 0x01, McrRts = 0x02, McrOut1 = 0x04, McrOut2 = 0x08, McrLoop = 0x10;
    private const byte LsrDr = 0x01, LsrOe = 0x02, LsrThre = 0x20, LsrTemt = 0x40;
    private const byte MsrDcts = 0x01, MsrDdsr = 0x02, MsrTeri = 0x04, MsrDdcd = 0x08;
    private const byte MsrCts = 0x10, MsrDsr = 0x20, MsrRi = 0x40, MsrDcd = 0x80;

    private readonly RecordingInterruptLine _irq = new();
    private readonly CountingStream _output = new();
    private readonly Uart16550 _uart;

    public Uart16550Tests()
    {
        _uart = new Uart16550(_irq, _output);
    }

    public void Dispose() => _output.Dispose();

    [Fact]
    public void ThrWritesReachOutputInOrder()
    {
        WriteString("hello, 16550\r\n");

        Assert.Equal("hello, 16550\r\n", Encoding.ASCII.GetString(_output.ToArray()));
    }

    [Fact]
    public void ThrPassesAllByteValuesUnchanged()
    {
        // Word length (LCR bits 0-1) is not applied: a 5-bit setting must not mask guest bytes.
        Write(Lcr, 0x00);
        for (int b = 0; b < 256; b++)
        {
            Write(Thr, (byte)b);
        }

        Assert.Equal(Enumerable.Range(0, 256).Select(b => (byte)b), _output.ToArray());
    }

    [Fact]
    public void NullOutputDiscardsTransmittedBytes()
    {
        var uart = new Uart16550(_irq, null);

        uart.Write(Thr, "x"u8);
        uart.Flush();

        Assert.Equal(LsrThre | LsrTemt, Read(uart, Lsr));
    }

    [Fact]
    public void OutputIsFlushedAtEachLineFeedOnly()
    {
        WriteString("abc");
        Assert.Equal(0, _output.FlushCount);

        WriteString("\n");
        Assert.Equal(1, _output.FlushCount);

        WriteString("d\r\ne\n");
        Assert.Equal(3, _output.FlushCount);
    }

    [Fact]
    public void FlushFlushesPendingOutput()
    {
        WriteString("login: ");

        _uart.Flush();

        Assert.Equal(1, _output.FlushCount);
    }

    [Fact]
    public void FailingOutputIsDisconnectedWithoutFailingTheGuest()
    {
        using var broken = new CountingStream { FailWrites = true };
        var uart = new Uart16550(_irq, broken);

        uart.Write(Thr, "a"u8);
        uart.Write(Thr, "b"u8);
        uart.Flush();

        Assert.IsType<IOException>(uart.OutputFailure);
        Assert.Equal(1, broken.WriteAttempts);
        Assert.Equal(0, broken.FlushCount);
        Assert.Equal(LsrThre | LsrTemt, Read(uart, Lsr));
    }

    [Fact]
    public void OutputFailureIsNullWhileStreamWorks()
    {
        WriteString("ok\n");

        Assert.Null(_uart.OutputFailure);
    }

    [Theory]
    [InlineData((ushort)0x0001)]
    [InlineData((ushort)0x000C)]
    [InlineData((ushort)0x0180)]
    [InlineData((ushort)0xFFFF)]
    public void DivisorLatchRoundTripsThroughDllAndDlm(ushort divisor)
    {
        Write(Lcr, LcrDlab | 0x03);
        Write(Dll, (byte)divisor);
        Write(Dlm, (byte)(divisor >> 8));

        Assert.Equal((byte)divisor, Read(Dll));
        Assert.Equal((byte)(divisor >> 8), Read(Dlm));
        Assert.Equal(divisor, _uart.DivisorLatch);
    }

    [Fact]
    public void DivisorLatchIsNonZeroAtReset()
    {
        // Linux's earlycon derives the baud rate by dividing by the latch.
        Write(Lcr, LcrDlab);

        Assert.NotEqual(0, Read(Dll) | (Read(Dlm) << 8));
        Assert.NotEqual(0, _uart.DivisorLatch);
    }

    [Fact]
    public void DlabHidesThrAndIerFromWrites()
    {
        Write(Lcr, LcrDlab);
        Write(Thr, (byte)'A');
        Write(Ier, 0x0F);
        Write(Lcr, 0x03);

        Assert.Empty(_output.ToArray());
        Assert.Equal(0, Read(Ier));
        Assert.Equal(0x0F00 | 'A', _uart.DivisorLatch);
    }

    [Fact]
    public void DlabHidesRbrAndIerFromReads()
    {
        Write(Ier, IerErbfi);
        _uart.EnqueueInput("z"u8);
        Write(Lcr, LcrDlab);
        Write(Dll, 0x34);
        Write(Dlm, 0x12);

        Assert.Equal(0x34, Read(Rbr));
        Assert.Equal(0x12, Read(Ier));
        Assert.Equal(1, _uart.ReceiveFifoCount);

        Write(Lcr, 0x03);
        Assert.Equal(IerErbfi, Read(Ier));
        Assert.Equal((byte)'z', Read(Rbr));
    }

    [Fact]
    public void DlabDoesNotAffectRegistersAboveDlm()
    {
        Write(Lcr, LcrDlab);
        Write(Scr, 0x5A);

        Assert.Equal(0x5A, Read(Scr));
        Assert.Equal(IirNone, Read(Iir));
        Assert.Equal(LsrThre | LsrTemt, Read(Lsr));
    }

    [Theory]
    [InlineData((byte)0x00)]
    [InlineData((byte)0x55)]
    [InlineData((byte)0xAA)]
    [InlineData((byte)0xFF)]
    public void ScratchRegisterHoldsAnyValue(byte value)
    {
        Write(Scr, value);

        Assert.Equal(value, Read(Scr));
    }

    [Theory]
    [InlineData((byte)0x03)]
    [InlineData((byte)0x1F)]
    [InlineData((byte)0x7F)]
    public void LineControlRoundTrips(byte value)
    {
        Write(Lcr, value);

        Assert.Equal(value, Read(Lcr));
        Assert.Equal(value, _uart.LineControl);
    }

    [Fact]
    public void IerAndMcrReadReservedBitsAsZero()
    {
        Write(Ier, 0xFF);
        Write(Mcr, 0xFF);

        Assert.Equal(0x0F, Read(Ier));
        Assert.Equal(0x1F, Read(Mcr));
        Assert.Equal(0x0F, _uart.InterruptEnable);
        Assert.Equal(0x1F, _uart.ModemControl);
    }

    [Fact]
    public void WritesToLsrAndMsrAreIgnored()
    {
        Write(Lsr, 0xFF);
        Write(Msr, 0x00);

        Assert.Equal(LsrThre | LsrTemt, Read(Lsr));
        Assert.Equal(MsrCts | MsrDsr | MsrDcd, Read(Msr));
    }

    [Fact]
    public void LsrReportsTransmitterEmptyBeforeAndAfterWrites()
    {
        Assert.Equal(LsrThre | LsrTemt, Read(Lsr));

        WriteString("0123456789abcdef0123456789abcdef");

        Assert.Equal(LsrThre | LsrTemt, Read(Lsr));
    }

    [Fact]
    public void LsrDataReadyTracksReceiveFifo()
    {
        _uart.EnqueueInput("ab"u8);
        Assert.Equal(LsrDr | LsrThre | LsrTemt, Read(Lsr));

        Read(Rbr);
        Assert.Equal(LsrDr, Read(Lsr) & LsrDr);

        Read(Rbr);
        Assert.Equal(0, Read(Lsr) & LsrDr);
    }

    [Fact]
    public void OverflowSetsOverrunUntilLsrIsRead()
    {
        byte[] input = Enumerable.Range(0, Uart16550.ReceiveFifoCapacity + 1).Select(i => (byte)i).ToArray();

        _uart.EnqueueInput(input);

        Assert.Equal(LsrDr | LsrOe | LsrThre | LsrTemt, Read(Lsr));
        Assert.Equal(LsrDr | LsrThre | LsrTemt, Read(Lsr));
    }

    [Fact]
    public void OverflowKeepsFifoContentsAndDropsNewByte()
    {
        byte[] input = Enumerable.Range(1, Uart16550.ReceiveFifoCapacity + 3).Select(i => (byte)i).ToArray();

        _uart.EnqueueInput(input);

        Assert.Equal(Uart16550.ReceiveFifoCapacity, _uart.ReceiveFifoCount);
        Assert.Equal(input[..Uart16550.ReceiveFifoCapacity], ReadAll());
    }

    [Fact]
    public void ReceiveFifoPreservesOrderAcrossWrapAround()
    {
        // Each round queues 40 and takes 35, so at most 60 bytes wait (no overrun) while the ring's head
        // passes its end several times.
        var expected = new List<byte>();
        var actual = new List<byte>();
        int next = 0;
        for (int round = 0; round < 5; round++)
        {
            byte[] chunk = Enumerable.Range(next, 40).Select(i => (byte)i).ToArray();
            next += chunk.Length;
            _uart.EnqueueInput(chunk);
            expected.AddRange(chunk);
            for (int i = 0; i < 35; i++)
            {
                actual.Add(Read(Rbr));
            }
        }

        actual.AddRange(ReadAll());

        Assert.Equal(expected, actual);
        Assert.Equal(0, Read(Lsr) & LsrOe);
    }

    [Fact]
    public void ReadingEmptyRbrReturnsZeroAndLeavesDataReadyClear()
    {
        Assert.Equal(0, Read(Rbr));
        Assert.Equal(0, Read(Lsr) & LsrDr);
    }

    [Theory]
    [InlineData(false, FcrEnable | FcrClearRx, 0)]              // enabling the FIFOs resets them
    [InlineData(true, FcrEnable | FcrClearRx, 0)]               // RCVR FIFO reset
    [InlineData(true, FcrEnable | FcrClearRx | FcrClearTx, 0)]
    [InlineData(true, FcrEnable, 3)]                            // already enabled, no reset bit: data stays
    [InlineData(true, FcrEnable | FcrClearTx, 3)]               // XMIT reset leaves the receiver alone
    [InlineData(true, 0, 0)]                                    // disabling the FIFOs resets them
    [InlineData(false, FcrClearRx, 3)]                          // without FCR0 the other bits are not written
    public void FcrClearsReceiveFifo(bool fifosEnabledBefore, int fcr, int bytesLeft)
    {
        if (fifosEnabledBefore)
        {
            Write(Fcr, FcrEnable);
        }

        _uart.EnqueueInput("abc"u8);
        Write(Fcr, (byte)fcr);

        Assert.Equal(bytesLeft, _uart.ReceiveFifoCount);
        Assert.Equal(bytesLeft > 0 ? LsrDr : 0, Read(Lsr) & LsrDr);
    }

    [Fact]
    public void FcrResetDoesNotClearOverrun()
    {
        Write(Fcr, FcrEnable);
        _uart.EnqueueInput(new byte[Uart16550.ReceiveFifoCapacity + 1]);

        Write(Fcr, FcrEnable | FcrClearRx);

        Assert.Equal(LsrOe | LsrThre | LsrTemt, Read(Lsr));
    }

    [Fact]
    public void IirReportsFifoBitsOnlyWhileFifosAreEnabled()
    {
        Assert.Equal(IirNone, Read(Iir));

        Write(Fcr, FcrEnable | FcrClearRx | FcrClearTx);
        Assert.Equal(IirFifoBits | IirNone, Read(Iir));
        Assert.True(_uart.FifosEnabled);

        Write(Fcr, 0);
        Assert.Equal(IirNone, Read(Iir));
        Assert.False(_uart.FifosEnabled);
    }

    [Fact]
    public void LoopbackRoutesThrToRbr()
    {
        Write(Mcr, McrLoop);

        WriteString("hi");

        Assert.Empty(_output.ToArray());
        Assert.Equal(LsrDr | LsrThre | LsrTemt, Read(Lsr));
        Assert.Equal("hi"u8.ToArray(), ReadAll());
    }

    [Fact]
    public void LeavingLoopbackSendsThrToOutputAgain()
    {
        Write(Mcr, McrLoop);
        WriteString("a");
        Write(Mcr, McrOut2);

        WriteString("b");

        Assert.Equal("b"u8.ToArray(), _output.ToArray());
        Assert.Equal((byte)'a', Read(Rbr));
    }

    [Fact]
    public void LoopbackOverflowSetsOverrun()
    {
        Write(Mcr, McrLoop);

        for (int i = 0; i <= Uart16550.ReceiveFifoCapacity; i++)
        {
            Write(Thr, (byte)i);
        }

        Assert.Equal(LsrOe, Read(Lsr) & LsrOe);
        Assert.Equal(Uart16550.ReceiveFifoCapacity, _uart.ReceiveFifoCount);
    }

    [Fact]
    public void LoopbackDiscardsHostInput()
    {
        Write(Mcr, McrLoop);

        _uart.EnqueueInput("host"u8);

        Assert.Equal(0, _uart.ReceiveFifoCount);
    }

    [Theory]
    [InlineData(McrDtr, MsrDsr)]
    [InlineData(McrRts, MsrCts)]
    [InlineData(McrOut1, MsrRi)]
    [InlineData(McrOut2, MsrDcd)]
    [InlineData(McrDtr | McrRts | McrOut1 | McrOut2, MsrCts | MsrDsr | MsrRi | MsrDcd)]
    [InlineData(0, 0)]
    [InlineData(McrRts | McrOut2, MsrCts | MsrDcd)] // Linux's 8250 loopback probe expects exactly 0x90 here
    public void LoopbackMsrMirrorsMcr(int mcrBits, int msrLines)
    {
        Write(Mcr, (byte)(McrLoop | mcrBits));

        Assert.Equal(msrLines, Read(Msr) & 0xF0);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(McrDtr | McrRts | McrOut1 | McrOut2)]
    public void OutsideLoopbackMsrReportsCtsDsrDcd(int mcr)
    {
        Write(Mcr, (byte)mcr);

        Assert.Equal(MsrCts | MsrDsr | MsrDcd, Read(Msr));
    }

    [Fact]
    public void ModemLineChangesSetDeltaBitsUntilMsrIsRead()
    {
        Write(Mcr, McrLoop | McrDtr | McrRts | McrOut1 | McrOut2);
        Read(Msr);

        Write(Mcr, McrLoop);

        Assert.Equal(MsrDcts | MsrDdsr | MsrTeri | MsrDdcd, Read(Msr));
        Assert.Equal(0, Read(Msr));
    }

    [Fact]
    public void RingIndicatorSetsTeriOnlyOnTrailingEdge()
    {
        Write(Mcr, McrLoop | McrDtr | McrRts | McrOut2);
        Read(Msr);

        Write(Mcr, McrLoop | McrDtr | McrRts | McrOut2 | McrOut1);
        Assert.Equal(0, Read(Msr) & MsrTeri);

        Write(Mcr, McrLoop | McrDtr | McrRts | McrOut2);
        Assert.Equal(MsrTeri, Read(Msr) & MsrTeri);
    }

    [Theory]
    [InlineData(IerElsi, IirLineStatus)]
    [InlineData(IerErbfi, IirDataAvailable)]
    [InlineData(IerEtbei, IirThrEmpty)]
    [InlineData(IerEdssi, IirModemStatus)]
    [InlineData(0, IirNone)]
    public void IirIdentifiesEachEnabledSource(int ier, int iir)
    {
        MakeAllSourcesPending();
        Write(Ier, (byte)ier);

        Assert.Equal(iir, Read(Iir));
    }

    [Fact]
    public void IirReportsSourcesInPriorityOrder()
    {
        MakeAllSourcesPending();
        Write(Ier, IerErbfi | IerEtbei | IerElsi | IerEdssi);

        Assert.Equal(IirLineStatus, Read(Iir));
        Read(Lsr);
        Assert.Equal(IirDataAvailable, Read(Iir));
        ReadAll();
        Assert.Equal(IirThrEmpty, Read(Iir));
        Assert.Equal(IirModemStatus, Read(Iir));
        Read(Msr);
        Assert.Equal(IirNone, Read(Iir));
    }

    [Fact]
    public void ReadingIirClearsThrEmptyUntilNextThrWrite()
    {
        Write(Ier, IerEtbei);

        Assert.Equal(IirThrEmpty, Read(Iir));
        Assert.Equal(IirNone, Read(Iir));

        Write(Thr, (byte)'x');
        Assert.Equal(IirThrEmpty, Read(Iir));
        Assert.Equal(IirNone, Read(Iir));
    }

    [Fact]
    public void ThrEmptyIsRaisedWhenEtbeiIsSwitchedOn()
    {
        Write(Ier, IerEtbei);
        Read(Iir);

        Write(Ier, 0);
        Write(Ier, IerEtbei);

        Assert.Equal(IirThrEmpty, Read(Iir));
    }

    [Fact]
    public void IerWriteThatKeepsEtbeiDoesNotRaiseThrEmptyAgain()
    {
        Write(Ier, IerEtbei);
        Read(Iir);

        Write(Ier, IerEtbei | IerErbfi);

        Assert.Equal(IirNone, Read(Iir));
    }

    [Fact]
    public void ReadingIirWhileHigherSourceIsPendingKeepsThrEmpty()
    {
        Write(Ier, IerErbfi | IerEtbei);
        _uart.EnqueueInput("k"u8);

        Assert.Equal(IirDataAvailable, Read(Iir));
        Read(Rbr);

        Assert.Equal(IirThrEmpty, Read(Iir));
    }

    [Fact]
    public void InterruptLineIsGatedByOut2()
    {
        Write(Ier, IerErbfi);
        _uart.EnqueueInput("a"u8);
        Assert.Empty(_irq.Levels);
        Assert.False(_uart.InterruptLevel);

        Write(Mcr, McrOut2);
        Assert.Equal([true], _irq.Levels);
        Assert.True(_uart.InterruptLevel);

        Write(Mcr, 0);
        Assert.Equal([true, false], _irq.Levels);
    }

    [Fact]
    public void InterruptLineFollowsReceivedData()
    {
        Write(Mcr, McrOut2);
        Write(Ier, IerErbfi);

        _uart.EnqueueInput("ab"u8);
        _uart.EnqueueInput("c"u8);
        Read(Rbr);
        Read(Rbr);
        Assert.Equal([true], _irq.Levels);

        Read(Rbr);
        Assert.Equal([true, false], _irq.Levels);
    }

    [Fact]
    public void InterruptLineFollowsThrEmptyAcknowledge()
    {
        Write(Mcr, McrOut2);

        Write(Ier, IerEtbei);
        Assert.Equal([true], _irq.Levels);

        Read(Iir);
        Assert.Equal([true, false], _irq.Levels);

        Write(Thr, (byte)'x');
        Assert.Equal([true, false, true], _irq.Levels);
    }

    [Fact]
    public void InterruptLineDropsWhenSourceIsDisabled()
    {
        Write(Mcr, McrOut2);
        Write(Ier, IerErbfi);
        _uart.EnqueueInput("a"u8);

        Write(Ier, 0);

        Assert.Equal([true, false], _irq.Levels);
        Assert.Equal(1, _uart.ReceiveFifoCount);
    }

    [Fact]
    public void InterruptLineIsNotSetWithoutPendingInterrupt()
    {
        Write(Mcr, McrOut2);
        WriteString("no interrupts enabled\n");
        _uart.EnqueueInput("x"u8);

        Assert.Empty(_irq.Levels);
    }

    [Theory]
    [InlineData(8UL)]
    [InlineData(0x3F8UL)]
    [InlineData(ulong.MaxValue)]
    public void OffsetsOutsideWindowReadOnesAndIgnoreWrites(ulong offset)
    {
        _uart.Write(offset, [0x41]);
        byte[] data = [0, 0];
        _uart.Read(offset, data);

        Assert.Equal([0xFF, 0xFF], data);
        Assert.Empty(_output.ToArray());
        Assert.Equal(0, Read(Scr));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void WideReadReturnsRegisterThenOnes(int width)
    {
        Write(Scr, 0x42);
        byte[] data = new byte[width];

        _uart.Read(Scr, data);

        Assert.Equal(0x42, data[0]);
        Assert.All(data[1..], b => Assert.Equal(0xFF, b));
    }

    [Fact]
    public void WideWriteUsesFirstByteOnly()
    {
        _uart.Write(Thr, "AB"u8);
        _uart.Write(Scr, [0x11, 0x22, 0x33, 0x44]);

        Assert.Equal("A"u8.ToArray(), _output.ToArray());
        Assert.Equal(0x11, Read(Scr));
    }

    [Fact]
    public void WideReadConsumesOneReceivedByte()
    {
        _uart.EnqueueInput("xy"u8);
        byte[] data = new byte[4];

        _uart.Read(Rbr, data);

        Assert.Equal([(byte)'x', 0xFF, 0xFF, 0xFF], data);
        Assert.Equal(1, _uart.ReceiveFifoCount);
    }

    [Fact]
    public void EmptyAccessesAreIgnored()
    {
        _uart.EnqueueInput("q"u8);

        _uart.Read(Rbr, []);
        _uart.Write(Thr, []);
        _uart.EnqueueInput([]);

        Assert.Equal(1, _uart.ReceiveFifoCount);
        Assert.Empty(_output.ToArray());
    }

    [Fact]
    public void ConcurrentWritersLoseNoBytes()
    {
        const int Threads = 4;
        const int BytesPerThread = 2000;

        Parallel.For(0, Threads, t =>
        {
            for (int i = 0; i < BytesPerThread; i++)
            {
                _uart.Write(Thr, [(byte)('a' + t)]);
            }
        });

        byte[] written = _output.ToArray();
        Assert.Equal(Threads * BytesPerThread, written.Length);
        for (int t = 0; t < Threads; t++)
        {
            Assert.Equal(BytesPerThread, written.Count(b => b == 'a' + t));
        }
    }

    [Fact]
    public void ConstructorRejectsNullInterruptLine()
    {
        Assert.Throws<ArgumentNullException>(() => new Uart16550(null!, null));
    }

    private static byte Read(Uart16550 uart, ulong offset)
    {
        byte[] data = [0];
        uart.Read(offset, data);
        return data[0];
    }

    private byte Read(ulong offset) => Read(_uart, offset);

    private void Write(ulong offset, byte value) => _uart.Write(offset, [value]);

    private void WriteString(string text)
    {
        foreach (byte b in Encoding.ASCII.GetBytes(text))
        {
            Write(Thr, b);
        }
    }

    private byte[] ReadAll()
    {
        var bytes = new List<byte>();
        while ((Read(Lsr) & LsrDr) != 0)
        {
            bytes.Add(Read(Rbr));
        }

        return [.. bytes];
    }

    /// <summary>Leaves a line status error, received data, THR empty and a modem status change pending, with IER clear.</summary>
    private void MakeAllSourcesPending()
    {
        // Loopback makes every source reachable from the guest side: an overrun from THR writes, data in the
        // FIFO, THRE from the last THR write, and a modem line change from the MCR write.
        Write(Mcr, McrLoop | McrOut2);
        for (int i = 0; i <= Uart16550.ReceiveFifoCapacity; i++)
        {
            Write(Thr, (byte)i);
        }

        Write(Mcr, McrLoop | McrOut2 | McrRts);
    }

    /// <summary>A memory stream that counts flushes and can fail every write.</summary>
    private sealed class CountingStream : MemoryStream
    {
        public bool FailWrites { get; init; }

        public int FlushCount { get; private set; }

        public int WriteAttempts { get; private set; }

        public override void Flush()
        {
            FlushCount++;
            base.Flush();
        }

        public override void WriteByte(byte value)
        {
            WriteAttempts++;
            if (FailWrites)
            {
                throw new IOException("Broken pipe.");
            }

            base.WriteByte(value);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            WriteAttempts++;
            if (FailWrites)
            {
                throw new IOException("Broken pipe.");
            }

            base.Write(buffer);
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    }
}

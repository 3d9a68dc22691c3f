using System.Diagnostics;

namespace Vmm.Host.Cli;

/// <summary>
/// A write-only stream that hands every byte to a <see cref="BootConsoleScanner"/> with the time it was written: the
/// COM1 output of an in-process boot, so the marker is timed where the UART emits it.
/// </summary>
internal sealed class BootConsoleStream(BootConsoleScanner scanner) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer) => scanner.Feed(buffer, Stopwatch.GetTimestamp());

    public override void WriteByte(byte value) => Write([value]);

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}

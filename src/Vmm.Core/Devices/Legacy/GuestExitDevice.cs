using System.Buffers.Binary;

namespace Vmm.Core.Devices.Legacy;

/// <summary>
/// The exit port: an OUT of 1, 2 or 4 bytes at offset 0 ends the VM with that status (0 = pass). It is how
/// built-in guests and test kernels report their verdict; the VMM's exit code follows it.
/// </summary>
public sealed class GuestExitDevice : IBusDevice
{
    private readonly Action<uint> _onExit;

    /// <summary>Creates the device; <paramref name="onExit"/> receives the status.</summary>
    public GuestExitDevice(Action<uint> onExit)
    {
        _onExit = onExit;
    }

    /// <summary>The window size on the port bus (a 4-byte OUT spans four ports).</summary>
    public const int WindowSize = 4;

    /// <inheritdoc />
    public void Read(ulong offset, Span<byte> data) => data.Fill(0xFF);

    /// <inheritdoc />
    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        if (offset != 0)
        {
            return;
        }

        uint status = data.Length switch
        {
            1 => data[0],
            2 => BinaryPrimitives.ReadUInt16LittleEndian(data),
            >= 4 => BinaryPrimitives.ReadUInt32LittleEndian(data),
            _ => 0,
        };
        _onExit(status);
    }
}

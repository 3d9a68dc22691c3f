namespace Vmm.Core.Devices;

/// <summary>
/// A device on a port-I/O or MMIO bus. It sees offsets within its own window, never bus addresses, and
/// must not throw for any access the guest makes (unknown registers read as all ones, writes are ignored).
/// </summary>
public interface IBusDevice
{
    /// <summary>A read of <paramref name="data"/>.Length bytes at <paramref name="offset"/> within the device window.</summary>
    void Read(ulong offset, Span<byte> data);

    /// <summary>A write of <paramref name="data"/> at <paramref name="offset"/> within the device window.</summary>
    void Write(ulong offset, ReadOnlySpan<byte> data);
}

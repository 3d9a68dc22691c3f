using Vmm.Core.Devices;
using Vmm.Core.Hypervisor;

namespace Vmm.Kvm.Tests;

/// <summary>
/// Counts each vCPU's writes to <see cref="Port"/>, the tests' "reached this point" exit, and records the statuses
/// written to the environment's exit port (<see cref="StandardPorts.GuestExit"/>); every other exit is ignored.
/// </summary>
internal sealed class MarkerPortHandler : IVcpuExitHandler
{
    public const byte Port = 0xE7;

    public MarkerPortHandler(int processors) => Markers = new int[processors];

    /// <summary>Marker exits per vCPU index.</summary>
    public int[] Markers { get; }

    /// <summary>The 4-byte statuses written to the exit port, in order (e.g. a default interrupt stub's).</summary>
    public List<uint> ExitStatuses { get; } = [];

    public void PortRead(int processorIndex, ushort port, Span<byte> data) => data.Fill(0xFF);

    public void PortWrite(int processorIndex, ushort port, ReadOnlySpan<byte> data)
    {
        if (port == Port)
        {
            Markers[processorIndex]++;
        }
        else if (port == StandardPorts.GuestExit && data.Length == 4)
        {
            ExitStatuses.Add(BitConverter.ToUInt32(data));
        }
    }

    public void MmioRead(int processorIndex, ulong address, Span<byte> data) => data.Fill(0xFF);

    public void MmioWrite(int processorIndex, ulong address, ReadOnlySpan<byte> data)
    {
    }

    public MsrAccessResult MsrRead(int processorIndex, uint index, out ulong value)
    {
        value = 0;
        return MsrAccessResult.GeneralProtection;
    }

    public MsrAccessResult MsrWrite(int processorIndex, uint index, ulong value) => MsrAccessResult.GeneralProtection;

    public void Hypercall(IHypercallIo io) => io.Complete(0);
}

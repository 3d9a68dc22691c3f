using Vmm.Core.Hypervisor;

namespace Vmm.Core.Tests.Vcpu;

/// <summary>An exit handler for fake processors: reads are zero, writes are dropped, MSRs #GP, hypercalls #UD.</summary>
internal sealed class NullExitHandler : IVcpuExitHandler
{
    public void PortRead(int processorIndex, ushort port, Span<byte> data) => data.Clear();

    public void PortWrite(int processorIndex, ushort port, ReadOnlySpan<byte> data)
    {
    }

    public void MmioRead(int processorIndex, ulong address, Span<byte> data) => data.Clear();

    public void MmioWrite(int processorIndex, ulong address, ReadOnlySpan<byte> data)
    {
    }

    public MsrAccessResult MsrRead(int processorIndex, uint index, out ulong value)
    {
        value = 0;
        return MsrAccessResult.GeneralProtection;
    }

    public MsrAccessResult MsrWrite(int processorIndex, uint index, ulong value) => MsrAccessResult.GeneralProtection;

    public void Hypercall(IHypercallIo io) => io.InjectInvalidOpcode();
}

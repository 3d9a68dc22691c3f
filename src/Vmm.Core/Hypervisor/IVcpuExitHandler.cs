namespace Vmm.Core.Hypervisor;

/// <summary>
/// What a backend calls while servicing an exit. Implementations must not throw for anything the guest
/// does and must not allocate: this is the per-exit hot path.
/// </summary>
public interface IVcpuExitHandler
{
    /// <summary>An IN from <paramref name="port"/>: fill <paramref name="data"/> (1, 2 or 4 bytes).</summary>
    void PortRead(int processorIndex, ushort port, Span<byte> data);

    /// <summary>An OUT to <paramref name="port"/>.</summary>
    void PortWrite(int processorIndex, ushort port, ReadOnlySpan<byte> data);

    /// <summary>A read of unbacked guest-physical memory: fill <paramref name="data"/>.</summary>
    void MmioRead(int processorIndex, ulong address, Span<byte> data);

    /// <summary>A write to unbacked guest-physical memory.</summary>
    void MmioWrite(int processorIndex, ulong address, ReadOnlySpan<byte> data);

    /// <summary>RDMSR of an MSR the platform sends to userspace.</summary>
    MsrAccessResult MsrRead(int processorIndex, uint index, out ulong value);

    /// <summary>WRMSR of an MSR the platform sends to userspace.</summary>
    MsrAccessResult MsrWrite(int processorIndex, uint index, ulong value);

    /// <summary>A hypercall (on KVM: an OUT to the hypercall port from the hypercall page; on WHP: a HypercallExit).</summary>
    void Hypercall(IHypercallIo io);
}

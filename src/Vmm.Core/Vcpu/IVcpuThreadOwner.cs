using Vmm.Core.Hypervisor;

namespace Vmm.Core.Vcpu;

/// <summary>What a vCPU thread reports to the machine that owns it.</summary>
public interface IVcpuThreadOwner
{
    /// <summary>True once the machine is stopping: the thread leaves its loop at the next exit.</summary>
    bool StopRequested { get; }

    /// <summary>The vCPU ended the VM (shutdown, reset, platform fault).</summary>
    void OnVcpuStopped(int processorIndex, VcpuRunResult result);

    /// <summary>The vCPU thread failed with a host-side exception (a VMM bug, never a guest action).</summary>
    void OnVcpuFailed(int processorIndex, Exception exception);
}

using Vmm.Core.Vcpu;

namespace Vmm.HyperV.TlbFlush;

/// <summary>
/// The VM's VP index assignment: which vCPU answers to which Hyper-V VP index (HV_X64_MSR_VP_INDEX), in both
/// directions. The flush and IPI hypercalls name VP indices; the engine works on vCPU indices.
/// </summary>
/// <remarks>
/// VP indices are 0..4095 (<see cref="VpBitmap.Capacity"/>), unique per vCPU, and need not equal the vCPU index
/// (for example vCPUs 0..4 as VPs 0, 1, 65, 130, 4095). Implementations are immutable and thread-safe: handlers on
/// every vCPU thread read them without locks.
/// </remarks>
public interface IVpIndexMap
{
    /// <summary>Number of vCPUs of the VM; vCPU indices are 0..VcpuCount − 1.</summary>
    int VcpuCount { get; }

    /// <summary>The vCPU that has VP index <paramref name="vpIndex"/>, or −1 when none has it (including any index outside 0..4095).</summary>
    int GetVcpuIndex(int vpIndex);

    /// <summary>The VP index of vCPU <paramref name="vcpuIndex"/> (what its VP_INDEX MSR reads).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="vcpuIndex"/> is not a vCPU of the VM.</exception>
    int GetVpIndex(int vcpuIndex);
}

namespace Vmm.Core.Hypervisor;

/// <summary>How a vCPU starts when the machine starts.</summary>
public enum VcpuStartMode
{
    /// <summary>Runs from its boot state at once (built-in guests and test kernels start every vCPU in long mode).</summary>
    Running,

    /// <summary>
    /// Waits for INIT and a startup IPI from another vCPU, as an application processor after reset (Intel MP spec
    /// 1.4 §B.4); its boot state is not applied. An operating system that starts its own APs (Linux) needs this.
    /// </summary>
    WaitForStartup,
}

using Vmm.Core.Boot.X86;
using Vmm.Core.Hypervisor;
using Vmm.Core.Registers;

namespace Vmm.Core.Boot;

/// <summary>The boot state of each vCPU of a loaded guest.</summary>
public interface IGuestBootPlan
{
    /// <summary>vCPU <paramref name="processor"/>'s initial registers, given the platform's reset values.</summary>
    VcpuBootState GetBootState(int processor, in SpecialRegisters platformDefaults);

    /// <summary>Whether vCPU <paramref name="processor"/> runs at once or waits for INIT/SIPI (its boot state is then unused).</summary>
    VcpuStartMode GetStartMode(int processor) => VcpuStartMode.Running;

    /// <summary>
    /// True for an operating system that probes the PC platform: the machine then adds the in-kernel PIT, the
    /// CMOS RTC and the keyboard controller's reset line.
    /// </summary>
    bool UsesPcPlatform => false;
}

using Vmm.Core.Boot.X86;
using Vmm.Core.Hypervisor;
using Vmm.Core.Memory;
using Vmm.Core.Registers;

namespace Vmm.Core.Machine;

/// <summary>Puts a guest into memory and says how each vCPU starts.</summary>
public interface IGuestLoader
{
    /// <summary>A short name for messages ("hello", "kernel.elf").</summary>
    string Name { get; }

    /// <summary>Writes the guest into <paramref name="memory"/>; returns how vCPUs start.</summary>
    /// <exception cref="ArgumentException">The guest does not fit or its parameters are invalid.</exception>
    IGuestBootPlan Load(GuestMemory memory, int processorCount);
}

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

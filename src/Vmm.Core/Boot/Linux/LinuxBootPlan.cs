using Vmm.Core.Boot.X86;
using Vmm.Core.Hypervisor;
using Vmm.Core.Registers;

namespace Vmm.Core.Boot.Linux;

/// <summary>
/// vCPU 0 enters the kernel's 64-bit entry with RSI = boot_params (boot.rst "64-bit Boot Protocol"); every other
/// vCPU waits for INIT/SIPI, which the kernel sends through its local APIC when it brings the CPU online.
/// </summary>
public sealed class LinuxBootPlan : IGuestBootPlan
{
    /// <summary>IA32_MTRR_DEF_TYPE (SDM Vol. 3 §11.11.2.1).</summary>
    public const uint MtrrDefTypeMsr = 0x2FF;

    /// <summary>MTRRs enabled (bit 11), default type write-back (6): all RAM cacheable, as firmware leaves it.</summary>
    public const ulong MtrrDefTypeValue = 0x806;

    private readonly LongModeEnvironment _environment;

    /// <summary>Creates the plan.</summary>
    public LinuxBootPlan(LongModeEnvironment environment, ulong entry, ulong bootParams)
    {
        _environment = environment;
        Entry = entry;
        BootParamsAddress = bootParams;
    }

    /// <summary>Where vCPU 0 starts.</summary>
    public ulong Entry { get; }

    /// <summary>Where boot_params is (RSI at entry).</summary>
    public ulong BootParamsAddress { get; }

    /// <inheritdoc />
    public bool UsesPcPlatform => true;

    /// <inheritdoc />
    public VcpuStartMode GetStartMode(int processor) => processor == 0 ? VcpuStartMode.Running : VcpuStartMode.WaitForStartup;

    /// <inheritdoc />
    public VcpuBootState GetBootState(int processor, in SpecialRegisters platformDefaults)
    {
        // The environment's paging (an identity map of at least 4 GiB), GDT and CR0/CR4/EFER satisfy the 64-bit
        // protocol; its selectors are 0x08/0x10 rather than boot.rst's 0x10/0x18, which the kernel replaces with
        // its own GDT at once. The stack is low: the top of RAM is where the initrd goes.
        VcpuBootState state = _environment.GetBootState(processor, Entry, platformDefaults);
        var regs = new StandardRegisters
        {
            Rip = Entry,
            Rsp = LinuxBootLayout.BootStackTop,
            Rsi = BootParamsAddress,
            Rflags = X86Constants.RflagsReserved1,
        };
        return state with { Registers = regs, Msrs = [new MsrEntry(MtrrDefTypeMsr, MtrrDefTypeValue)] };
    }
}

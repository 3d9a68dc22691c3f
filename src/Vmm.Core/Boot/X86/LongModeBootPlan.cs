using Vmm.Core.Registers;

namespace Vmm.Core.Boot.X86;

/// <summary>Every vCPU enters <see cref="Entry"/> in the environment's documented long-mode state.</summary>
public sealed class LongModeBootPlan : IGuestBootPlan
{
    /// <summary>Creates the plan.</summary>
    public LongModeBootPlan(LongModeEnvironment environment, ulong entry)
    {
        Environment = environment;
        Entry = entry;
    }

    /// <summary>The environment the guest runs in.</summary>
    public LongModeEnvironment Environment { get; }

    /// <summary>The entry point every vCPU starts at.</summary>
    public ulong Entry { get; }

    /// <inheritdoc />
    public VcpuBootState GetBootState(int processor, in SpecialRegisters platformDefaults) =>
        Environment.GetBootState(processor, Entry, platformDefaults);
}

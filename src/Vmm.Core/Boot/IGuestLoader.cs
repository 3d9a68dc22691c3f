using Vmm.Core.Memory;

namespace Vmm.Core.Boot;

/// <summary>Puts a guest into memory and says how each vCPU starts.</summary>
public interface IGuestLoader
{
    /// <summary>A short name for messages ("hello", "kernel.elf").</summary>
    string Name { get; }

    /// <summary>Writes the guest into <paramref name="memory"/>; returns how vCPUs start.</summary>
    /// <exception cref="ArgumentException">The guest does not fit or its parameters are invalid.</exception>
    IGuestBootPlan Load(GuestMemory memory, int processorCount);
}

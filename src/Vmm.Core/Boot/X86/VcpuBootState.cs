using Vmm.Core.Registers;

namespace Vmm.Core.Boot.X86;

/// <summary>The register state a vCPU starts with.</summary>
/// <param name="Registers">General-purpose registers, RIP and RFLAGS.</param>
/// <param name="Special">Segment, table and control registers.</param>
public sealed record VcpuBootState(StandardRegisters Registers, SpecialRegisters Special)
{
    /// <summary>Model-specific registers to set before the vCPU first runs (e.g. IA32_MTRR_DEF_TYPE for Linux).</summary>
    public IReadOnlyList<MsrEntry> Msrs { get; init; } = [];
}

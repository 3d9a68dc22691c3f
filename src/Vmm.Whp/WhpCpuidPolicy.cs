using Vmm.Core.Hypervisor;

namespace Vmm.Whp;

/// <summary>
/// Which CPUID leaves the VMM answers itself on WHP, and how. Everything else is left to the hypervisor,
/// which already patches the per-processor fields (APIC IDs) and masks what it cannot virtualize.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Hypervisor leaves 0x40000000-0x400000FF that the table defines (the Hyper-V leaves): the table's
/// values, as CpuidResultList entries and as CPUID exits (the exit covers builds where the result list
/// does not take effect; the guest reads these leaves a handful of times at boot).</item>
/// <item>Leaf 1: the hypervisor's default result with ECX bit 31 ("hypervisor present", SDM Vol. 2A
/// CPUID) taken from the table, so the VMM decides whether the guest looks for hypervisor leaves.</item>
/// </list>
/// </remarks>
internal static class WhpCpuidPolicy
{
    /// <summary>First hypervisor CPUID leaf (TLFS "Feature and Interface Discovery").</summary>
    internal const uint HypervisorLeafFirst = 0x4000_0000;

    /// <summary>Last leaf of the hypervisor range the VMM may override.</summary>
    internal const uint HypervisorLeafLast = 0x4000_00FF;

    private const uint HypervisorPresentBit = 1u << 31;

    /// <summary>The leaves that must cause CPUID exits: 1 and the table's hypervisor leaves.</summary>
    internal static uint[] ExitLeaves(CpuidTable table)
    {
        var leaves = new SortedSet<uint> { 1 };
        foreach (CpuidEntry e in table.Entries)
        {
            if (e.Function is >= HypervisorLeafFirst and <= HypervisorLeafLast)
            {
                leaves.Add(e.Function);
            }
        }

        return [.. leaves];
    }

    /// <summary>The table's hypervisor leaves, for the partition's CpuidResultList.</summary>
    internal static CpuidEntry[] ResultListEntries(CpuidTable table) =>
        [.. table.Entries.Where(e => e.Function is >= HypervisorLeafFirst and <= HypervisorLeafLast)];

    /// <summary>
    /// Applies the VMM's overrides to the hypervisor's default result for <paramref name="leaf"/>/<paramref name="subleaf"/>.
    /// </summary>
    internal static void Apply(CpuidTable? table, uint leaf, uint subleaf, ref uint eax, ref uint ebx, ref uint ecx, ref uint edx)
    {
        if (table is null || !table.TryGet(leaf, subleaf, out CpuidEntry entry))
        {
            return;
        }

        if (leaf is >= HypervisorLeafFirst and <= HypervisorLeafLast)
        {
            eax = entry.Eax;
            ebx = entry.Ebx;
            ecx = entry.Ecx;
            edx = entry.Edx;
        }
        else if (leaf == 1)
        {
            ecx = (ecx & ~HypervisorPresentBit) | (entry.Ecx & HypervisorPresentBit);
        }
    }
}

namespace Vmm.Core.Hypervisor;

/// <summary>
/// The CPUID results a guest sees, as an editable list of leaves. The host composes it from what the
/// backend supports plus VMM policy (for example the Hyper-V leaves replacing any hypervisor signature).
/// </summary>
public sealed class CpuidTable
{
    private readonly List<CpuidEntry> _entries;

    /// <summary>Creates a table with <paramref name="entries"/>.</summary>
    public CpuidTable(IEnumerable<CpuidEntry> entries)
    {
        _entries = [.. entries];
    }

    /// <summary>The entries.</summary>
    public IReadOnlyList<CpuidEntry> Entries => _entries;

    /// <summary>Finds the entry for <paramref name="function"/>/<paramref name="index"/>.</summary>
    public bool TryGet(uint function, uint index, out CpuidEntry entry)
    {
        foreach (CpuidEntry e in _entries)
        {
            if (e.Function == function && (!e.IndexSignificant || e.Index == index))
            {
                entry = e;
                return true;
            }
        }

        entry = default;
        return false;
    }

    /// <summary>Adds or replaces the entry with the same function and index.</summary>
    public void Set(CpuidEntry entry)
    {
        int i = _entries.FindIndex(e => e.Function == entry.Function && e.Index == entry.Index);
        if (i >= 0)
        {
            _entries[i] = entry;
        }
        else
        {
            _entries.Add(entry);
        }
    }

    /// <summary>Removes every leaf in [<paramref name="first"/>, <paramref name="last"/>].</summary>
    public void RemoveRange(uint first, uint last) => _entries.RemoveAll(e => e.Function >= first && e.Function <= last);

    /// <summary>A deep copy.</summary>
    public CpuidTable Clone() => new(_entries);
}

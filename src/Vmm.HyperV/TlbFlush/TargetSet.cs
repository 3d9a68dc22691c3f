using System.Diagnostics.CodeAnalysis;

namespace Vmm.HyperV.TlbFlush;

/// <summary>
/// The vCPUs a flush or IPI hypercall targets, as vCPU indices (already mapped from VP indices through the VM's
/// <see cref="IVpIndexMap"/>): either every vCPU (<see cref="IsAll"/>) or an explicit set.
/// </summary>
/// <remarks>
/// <para>Pass it by <c>in</c>: it embeds a 512-byte <see cref="VpBitmap"/>, so it lives on the handler's stack and
/// nothing is allocated. <c>foreach (int vcpu in targets)</c> yields every target once, ascending (all of
/// 0..<see cref="VcpuCount"/> − 1 when <see cref="IsAll"/>).</para>
/// <para>The requester may be a target: the TLFS wants it flushed too when it is (docs/hyperv.md#flush-guarantee).</para>
/// </remarks>
public struct TargetSet
{
    private VpBitmap _vcpus;

    /// <summary>Number of vCPUs of the VM.</summary>
    public int VcpuCount { readonly get; private set; }

    /// <summary>True when every vCPU of the VM is a target (HV_FLUSH_ALL_PROCESSORS, HV_GENERIC_SET_ALL, or our reading of an empty non-Ex mask).</summary>
    public bool IsAll { readonly get; private set; }

    /// <summary>The explicit targets when not <see cref="IsAll"/> (empty otherwise).</summary>
    [UnscopedRef]
    public readonly ref readonly VpBitmap Vcpus => ref _vcpus;

    /// <summary>True when no vCPU is a target.</summary>
    public readonly bool IsEmpty => !IsAll && _vcpus.IsEmpty;

    /// <summary>Number of target vCPUs.</summary>
    public readonly int Count => IsAll ? VcpuCount : _vcpus.Count;

    /// <summary>Every vCPU of a VM of <paramref name="vcpuCount"/> vCPUs.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="vcpuCount"/> is not in 1..4096.</exception>
    public static TargetSet All(int vcpuCount)
    {
        CheckCount(vcpuCount);
        return new TargetSet { VcpuCount = vcpuCount, IsAll = true };
    }

    /// <summary>No target yet, in a VM of <paramref name="vcpuCount"/> vCPUs; add them with <see cref="Add"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="vcpuCount"/> is not in 1..4096.</exception>
    public static TargetSet Empty(int vcpuCount)
    {
        CheckCount(vcpuCount);
        return new TargetSet { VcpuCount = vcpuCount };
    }

    /// <summary>
    /// The vCPUs whose VP indices are in <paramref name="vpSet"/>. VP indices that no vCPU has (beyond the VM) are
    /// ignored (docs/hyperv.md#kvm-comparison (step 6) does the same); an all-VP set gives <see cref="All"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="map"/> is null.</exception>
    public static TargetSet FromVpSet(in HvVpSet vpSet, IVpIndexMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        int vcpuCount = map.VcpuCount;
        if (vpSet.IsAll)
        {
            return All(vcpuCount);
        }

        TargetSet targets = Empty(vcpuCount);
        foreach (int vp in vpSet.VpIndices)
        {
            int vcpu = map.GetVcpuIndex(vp);
            if ((uint)vcpu < (uint)vcpuCount)
            {
                targets._vcpus.Add(vcpu);
            }
        }

        return targets;
    }

    /// <summary>Adds vCPU <paramref name="vcpu"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="vcpu"/> is not below <see cref="VcpuCount"/>.</exception>
    public void Add(int vcpu)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(vcpu);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(vcpu, VcpuCount);
        _vcpus.Add(vcpu);
    }

    /// <summary>True when vCPU <paramref name="vcpu"/> is a target.</summary>
    public readonly bool Contains(int vcpu) =>
        IsAll ? (uint)vcpu < (uint)VcpuCount : _vcpus.Contains(vcpu);

    /// <summary>Enumerates the target vCPU indices in ascending order without allocating.</summary>
    [UnscopedRef]
    public readonly Enumerator GetEnumerator() => new(_vcpus.AsWords, IsAll ? VcpuCount : -1);

    /// <summary>"all(8)" or the vCPU list, e.g. "{0,2,4}" (for traces and test messages).</summary>
    public override readonly string ToString()
    {
        if (IsAll)
        {
            return $"all({VcpuCount})";
        }

        var list = new List<int>();
        foreach (int vcpu in _vcpus)
        {
            list.Add(vcpu);
        }

        return "{" + string.Join(',', list) + "}";
    }

    private static void CheckCount(int vcpuCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vcpuCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(vcpuCount, VpBitmap.Capacity);
    }

    /// <summary>Yields 0..n − 1 for an all-set, else the set bits.</summary>
    public ref struct Enumerator
    {
        private readonly int _allCount;
        private VpBitmap.Enumerator _bits;

        internal Enumerator(ReadOnlySpan<ulong> words, int allCount)
        {
            _allCount = allCount;
            _bits = new VpBitmap.Enumerator(words);
            Current = -1;
        }

        /// <summary>The current vCPU index.</summary>
        public int Current { get; private set; }

        /// <summary>Moves to the next target.</summary>
        public bool MoveNext()
        {
            if (_allCount >= 0)
            {
                if (Current + 1 >= _allCount)
                {
                    return false;
                }

                Current++;
                return true;
            }

            if (!_bits.MoveNext())
            {
                return false;
            }

            Current = _bits.Current;
            return true;
        }
    }
}

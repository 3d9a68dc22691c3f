using Vmm.Core.Vcpu;

namespace Vmm.HyperV.TlbFlush;

/// <summary>The two <see cref="IVpIndexMap"/> implementations: identity (VP index = vCPU index) and an explicit table.</summary>
public sealed class VpIndexMap : IVpIndexMap
{
    private readonly int[]? _vpOfVcpu;
    private readonly short[]? _vcpuOfVp;

    private VpIndexMap(int vcpuCount, int[]? vpOfVcpu, short[]? vcpuOfVp)
    {
        VcpuCount = vcpuCount;
        _vpOfVcpu = vpOfVcpu;
        _vcpuOfVp = vcpuOfVp;
    }

    /// <inheritdoc/>
    public int VcpuCount { get; }

    /// <summary>True when VP index = vCPU index for every vCPU.</summary>
    public bool IsIdentity => _vpOfVcpu is null;

    /// <summary>VP index n is vCPU n, for <paramref name="vcpuCount"/> vCPUs.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="vcpuCount"/> is not in 1..4096.</exception>
    public static VpIndexMap Identity(int vcpuCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vcpuCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(vcpuCount, VpBitmap.Capacity);
        return new VpIndexMap(vcpuCount, null, null);
    }

    /// <summary>vCPU i has VP index <paramref name="vpIndexOfVcpu"/>[i] (e.g. 0, 1, 65, 130, 4095).</summary>
    /// <exception cref="ArgumentException">The list is empty or longer than 4096, or an index is outside 0..4095 or repeated.</exception>
    public static VpIndexMap FromVpIndices(ReadOnlySpan<int> vpIndexOfVcpu)
    {
        if (vpIndexOfVcpu.IsEmpty || vpIndexOfVcpu.Length > VpBitmap.Capacity)
        {
            throw new ArgumentException($"Give 1 to {VpBitmap.Capacity} VP indices, one per vCPU.", nameof(vpIndexOfVcpu));
        }

        var vcpuOfVp = new short[VpBitmap.Capacity];
        Array.Fill(vcpuOfVp, (short)-1);
        bool identity = true;
        for (int vcpu = 0; vcpu < vpIndexOfVcpu.Length; vcpu++)
        {
            int vp = vpIndexOfVcpu[vcpu];
            if ((uint)vp >= VpBitmap.Capacity)
            {
                throw new ArgumentException($"VP index {vp} of vCPU {vcpu} is outside 0..{VpBitmap.Capacity - 1}.", nameof(vpIndexOfVcpu));
            }

            if (vcpuOfVp[vp] >= 0)
            {
                throw new ArgumentException($"VP index {vp} is given to vCPU {vcpuOfVp[vp]} and vCPU {vcpu}.", nameof(vpIndexOfVcpu));
            }

            vcpuOfVp[vp] = (short)vcpu;
            identity &= vp == vcpu;
        }

        return identity
            ? new VpIndexMap(vpIndexOfVcpu.Length, null, null)
            : new VpIndexMap(vpIndexOfVcpu.Length, vpIndexOfVcpu.ToArray(), vcpuOfVp);
    }

    /// <inheritdoc/>
    public int GetVcpuIndex(int vpIndex)
    {
        if (_vcpuOfVp is null)
        {
            return (uint)vpIndex < (uint)VcpuCount ? vpIndex : -1;
        }

        return (uint)vpIndex < VpBitmap.Capacity ? _vcpuOfVp[vpIndex] : -1;
    }

    /// <inheritdoc/>
    public int GetVpIndex(int vcpuIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(vcpuIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(vcpuIndex, VcpuCount);
        return _vpOfVcpu is null ? vcpuIndex : _vpOfVcpu[vcpuIndex];
    }

    /// <summary>"identity(n)" or the VP index list, e.g. "0,1,65,130,4095".</summary>
    public override string ToString() =>
        _vpOfVcpu is null ? $"identity({VcpuCount})" : string.Join(',', _vpOfVcpu);
}

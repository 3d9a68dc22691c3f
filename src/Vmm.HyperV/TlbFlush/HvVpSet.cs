using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using Vmm.Core.Vcpu;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.TlbFlush;

/// <summary>
/// A set of VP indices as a hypercall names it: the 64-bit ProcessorMask of the non-Ex calls, or an HV_VP_SET of the
/// Ex calls (TLFS datatypes/hv_vp_set.md; docs/hyperv.md#flush-inputs, #vp-sets). Holds VP <em>indices</em>, not vCPU indices:
/// <see cref="AddVcpusTo"/> turns it into vCPUs through an <see cref="IVpIndexMap"/>.
/// </summary>
/// <remarks>
/// <para>HV_VP_SET: u64 Format, u64 ValidBanksMask, then one u64 bank per set bit of ValidBanksMask, packed in
/// ascending bank order; bank b bit i is VP 64·b + i, so 64 banks reach VP 4095.</para>
/// <para>Parsing rules (<see cref="TryParse(ulong, ulong, ReadOnlySpan{byte}, out HvVpSet)"/>):</para>
/// <list type="bullet">
/// <item>Format HV_GENERIC_SET_SPARSE_4K: the number of bank QWORDs given (the variable header) must equal
/// popcount(ValidBanksMask), else HV_STATUS_INVALID_HYPERCALL_INPUT (TLFS "Variable Sized Hypercall Input Headers";
/// KVM checks the same, docs/hyperv.md#kvm-comparison (step 6)). An empty mask with no banks is a valid, empty set.</item>
/// <item>Format HV_GENERIC_SET_ALL: every VP. ValidBanksMask and any bank QWORDs are ignored, as the TLFS says of the
/// mask; the variable-header size only says where the next input starts.</item>
/// <item>Any other Format → HV_STATUS_INVALID_PARAMETER. Anchors disagree: KVM treats it as "all VPs", OpenVMM
/// answers INVALID_PARAMETER (docs/hyperv.md#kvm-comparison (step 7), #openvmm). We answer the status: an undefined set must not send
/// interrupts to every VP (the IPI calls share this parser), Linux never sends it (H.9) and falls back to IPIs on
/// any error, and a status in the trace shows a guest bug a silent flush-all would hide.</item>
/// </list>
/// VP indices that name no vCPU of the VM are kept here and dropped by <see cref="AddVcpusTo"/>.
/// </remarks>
public struct HvVpSet
{
    /// <summary>Bytes of the HV_VP_SET header: Format and ValidBanksMask.</summary>
    public const int HeaderSize = 16;

    private VpBitmap _vps;

    /// <summary>True when the set is every VP of the partition (HV_GENERIC_SET_ALL, or a flag such as HV_FLUSH_ALL_PROCESSORS).</summary>
    public bool IsAll { readonly get; private set; }

    /// <summary>The VP indices, when not <see cref="IsAll"/>.</summary>
    [UnscopedRef]
    public readonly ref readonly VpBitmap VpIndices => ref _vps;

    /// <summary>The set of every VP.</summary>
    public static HvVpSet All => new() { IsAll = true };

    /// <summary>A non-Ex ProcessorMask: bit n = VP n, VPs 0..63. An empty mask is an empty set (callers decide what it means).</summary>
    public static HvVpSet FromProcessorMask(ulong processorMask)
    {
        var set = default(HvVpSet);
        set._vps.SetWord(0, processorMask);
        return set;
    }

    /// <summary>True when <paramref name="vpIndex"/> is in the set (always, for <see cref="IsAll"/>, when in 0..4095).</summary>
    public readonly bool Contains(int vpIndex) =>
        IsAll ? (uint)vpIndex < VpBitmap.Capacity : _vps.Contains(vpIndex);

    /// <summary>
    /// Adds to <paramref name="vcpus"/> the vCPU of every VP index in the set (every vCPU of the map, for
    /// <see cref="IsAll"/>). VP indices that no vCPU has are ignored (KVM does the same,
    /// docs/hyperv.md#kvm-comparison (step 6)).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="map"/> is null.</exception>
    public readonly void AddVcpusTo(IVpIndexMap map, ref VpBitmap vcpus)
    {
        ArgumentNullException.ThrowIfNull(map);
        int vcpuCount = map.VcpuCount;
        if (IsAll)
        {
            for (int vcpu = 0; vcpu < vcpuCount; vcpu++)
            {
                vcpus.Add(vcpu);
            }

            return;
        }

        foreach (int vp in _vps)
        {
            int vcpu = map.GetVcpuIndex(vp);
            if ((uint)vcpu < (uint)vcpuCount)
            {
                vcpus.Add(vcpu);
            }
        }
    }

    /// <summary>
    /// Parses an HV_VP_SET whose 16-byte header (Format, ValidBanksMask) is <paramref name="header"/> and whose bank
    /// QWORDs are <paramref name="bankContents"/> (the call's variable header).
    /// </summary>
    /// <returns><see cref="HvStatus.Success"/>, or the status the hypercall must return (type remarks).</returns>
    public static HvStatus TryParse(ReadOnlySpan<byte> header, ReadOnlySpan<byte> bankContents, out HvVpSet set)
    {
        if (header.Length < HeaderSize)
        {
            set = default;
            return HvStatus.InvalidHypercallInput;
        }

        return TryParse(
            BinaryPrimitives.ReadUInt64LittleEndian(header),
            BinaryPrimitives.ReadUInt64LittleEndian(header[8..]),
            bankContents,
            out set);
    }

    /// <summary>
    /// Parses an HV_VP_SET from its Format, ValidBanksMask and bank QWORDs (<paramref name="bankContents"/>, a
    /// multiple of 8 bytes: the call's variable header).
    /// </summary>
    /// <returns><see cref="HvStatus.Success"/>, or the status the hypercall must return (type remarks).</returns>
    public static HvStatus TryParse(ulong format, ulong validBanksMask, ReadOnlySpan<byte> bankContents, out HvVpSet set)
    {
        set = default;
        switch ((HvGenericSetFormat)format)
        {
            case HvGenericSetFormat.All:
                set.IsAll = true;
                return HvStatus.Success;
            case HvGenericSetFormat.Sparse4K:
                break;
            default:
                return HvStatus.InvalidParameter;
        }

        if ((bankContents.Length & 7) != 0 || bankContents.Length / 8 != BitOperations.PopCount(validBanksMask))
        {
            return HvStatus.InvalidHypercallInput;
        }

        int next = 0;
        ulong mask = validBanksMask;
        while (mask != 0)
        {
            int bank = BitOperations.TrailingZeroCount(mask);
            mask &= mask - 1;
            set._vps.SetWord(bank, BinaryPrimitives.ReadUInt64LittleEndian(bankContents[(next * 8)..]));
            next++;
        }

        return HvStatus.Success;
    }
}

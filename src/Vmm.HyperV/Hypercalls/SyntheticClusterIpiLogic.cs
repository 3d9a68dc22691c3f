using System.Buffers.Binary;
using Vmm.Core.Vcpu;
using Vmm.HyperV.TlbFlush;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Hypercalls;

/// <summary>What the two cluster-IPI handlers share (docs/hyperv.md#cluster-ipi); choices listed on <see cref="FlushHypercalls"/>.</summary>
internal static class SyntheticClusterIpiLogic
{
    /// <summary>The lowest vector the calls accept: 0x10 (TLFS; 0-15 are reserved exception vectors).</summary>
    internal const uint MinVector = 0x10;

    /// <summary>The highest vector: 0xFF.</summary>
    internal const uint MaxVector = 0xFF;

    private const int VectorOffset = 0;
    private const int TargetVtlOffset = 4;
    private const int ReservedOffset = 5;
    private const int ReservedSize = 3;
    private const int ProcessorMaskOffset = 8;
    private const int ProcessorSetOffset = 8;

    /// <summary>
    /// Validates in field order (Vector, TargetVtl, reserved bytes, then the processor set), then raises the interrupt
    /// on every target vCPU, ascending, the sender included when it is in the set.
    /// </summary>
    public static HypercallOutcome Send(HypercallRequest request, bool isEx, ISyntheticIpiSender sender, IVpIndexMap map)
    {
        ReadOnlySpan<byte> header = request.FixedHeader;
        uint vector = BinaryPrimitives.ReadUInt32LittleEndian(header[VectorOffset..]);
        if (vector is < MinVector or > MaxVector
            || header[TargetVtlOffset] != 0
            || header.Slice(ReservedOffset, ReservedSize).ContainsAnyExcept((byte)0))
        {
            return HvStatus.InvalidParameter;
        }

        HvVpSet set;
        if (!isEx)
        {
            // An empty mask sends nothing: unlike a flush, an extra interrupt is not harmless.
            set = HvVpSet.FromProcessorMask(BinaryPrimitives.ReadUInt64LittleEndian(header[ProcessorMaskOffset..]));
        }
        else
        {
            HvStatus status = HvVpSet.TryParse(header.Slice(ProcessorSetOffset, HvVpSet.HeaderSize), request.VariableHeader, out set);
            if (status != HvStatus.Success)
            {
                return status;
            }
        }

        VpBitmap vcpus = default;
        set.AddVcpusTo(map, ref vcpus);
        HypercallTraceDetails.Current?.SetTargets(FlushVirtualAddressHypercall.ShapeOf(isEx, in set), vcpus.Count, isEx ? request.VariableHeader.Length / 8 : 0);
        foreach (int vcpu in vcpus)
        {
            sender.SendFixedInterrupt(vcpu, (byte)vector);
        }

        return HypercallOutcome.Success;
    }
}

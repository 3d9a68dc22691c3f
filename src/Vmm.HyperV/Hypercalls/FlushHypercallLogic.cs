using System.Buffers.Binary;
using Vmm.Core.TlbFlush;
using Vmm.HyperV.TlbFlush;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Hypercalls;

/// <summary>
/// What the four flush handlers share: flag checks, target decoding into the one <see cref="TlbFlushRequest"/> of the
/// invocation, and the engine call. The rules and where the anchors disagree are listed on <see cref="FlushHypercalls"/>.
/// </summary>
internal static class FlushHypercallLogic
{
    /// <summary>The flags the TLFS defines (docs/hyperv.md#flush-flags); every other bit is reserved.</summary>
    internal const HvFlushFlags DefinedFlags =
        HvFlushFlags.AllProcessors
        | HvFlushFlags.AllVirtualAddressSpaces
        | HvFlushFlags.NonGlobalMappingsOnly
        | HvFlushFlags.UseExtendedRangeFormat;

    // Header offsets shared by all four calls (docs/hyperv.md#flush-inputs).
    private const int FlagsOffset = 8;
    private const int ProcessorMaskOffset = 16;
    private const int ProcessorSetOffset = 16;

    /// <summary>HvCallFlushVirtualAddressSpace / SpaceEx.</summary>
    public static HypercallOutcome FlushSpace(HypercallRequest request, bool isEx, ITlbFlushEngine engine, IVpIndexMap map, bool extendedRangesOffered)
    {
        var flags = (HvFlushFlags)BinaryPrimitives.ReadUInt64LittleEndian(request.FixedHeader[FlagsOffset..]);
        HvStatus status = CheckFlags(flags, isList: false, extendedRangesOffered);
        if (status != HvStatus.Success)
        {
            return status;
        }

        status = ReadTargets(request, isEx, flags, map, out TlbFlushRequest flush);
        return status != HvStatus.Success ? status : Flush(request, engine, in flush);
    }

    /// <summary>
    /// HvCallFlushVirtualAddressList / ListEx: reps [RepStartIndex, RepEndIndex) in one engine request. The GVA
    /// entries are validated but not decoded: the request is a full flush of each target (<see cref="TlbFlushRequest"/>
    /// says why that is correct), whatever the number of reps.
    /// </summary>
    public static HypercallOutcome FlushList(HypercallRequest request, bool isEx, ITlbFlushEngine engine, IVpIndexMap map, bool extendedRangesOffered)
    {
        int start = request.RepStartIndex;
        int end = request.RepEndIndex;
        var flags = (HvFlushFlags)BinaryPrimitives.ReadUInt64LittleEndian(request.FixedHeader[FlagsOffset..]);
        HvStatus status = CheckFlags(flags, isList: true, extendedRangesOffered);
        if (status != HvStatus.Success)
        {
            return HypercallOutcome.Failure(status, start);
        }

        status = ReadTargets(request, isEx, flags, map, out TlbFlushRequest flush);
        if (status != HvStatus.Success)
        {
            return HypercallOutcome.Failure(status, start);
        }

        // An extended large-page entry with reserved bits 20:13 set ends the call with INVALID_PARAMETER at that rep;
        // the reps before it are flushed and reported done (TLFS "Hypercall Classes").
        int stop = end;
        if ((flags & HvFlushFlags.UseExtendedRangeFormat) != 0)
        {
            for (int i = start; i < end; i++)
            {
                if (new HvGvaRange(BinaryPrimitives.ReadUInt64LittleEndian(request.RepInput(i))).HasExtendedReservedBitsSet)
                {
                    stop = i;
                    break;
                }
            }
        }

        if (stop > start)
        {
            HypercallTraceDetails.Current?.SetRanges(stop - start);
            status = Flush(request, engine, in flush);
            if (status != HvStatus.Success)
            {
                return HypercallOutcome.Failure(status, start);
            }
        }

        return stop < end ? HypercallOutcome.Failure(HvStatus.InvalidParameter, stop) : HypercallOutcome.Success;
    }

    /// <summary>
    /// Flag rules, in bit order: reserved bits (4-63, including OpenVMM's VTL bits 4, 8, 9: no VSM here) →
    /// INVALID_PARAMETER; USE_EXTENDED_RANGE_FORMAT without CPUID 0x40000003.EDX bit 14 → INVALID_PARAMETER (the bit
    /// is reserved then); NON_GLOBAL_MAPPINGS_ONLY on a list call → INVALID_PARAMETER (TLFS: "treated as an invalid
    /// option").
    /// </summary>
    internal static HvStatus CheckFlags(HvFlushFlags flags, bool isList, bool extendedRangesOffered)
    {
        if ((flags & ~DefinedFlags) != 0)
        {
            return HvStatus.InvalidParameter;
        }

        if ((flags & HvFlushFlags.UseExtendedRangeFormat) != 0 && !extendedRangesOffered)
        {
            return HvStatus.InvalidParameter;
        }

        return isList && (flags & HvFlushFlags.NonGlobalMappingsOnly) != 0 ? HvStatus.InvalidParameter : HvStatus.Success;
    }

    private static HvStatus ReadTargets(HypercallRequest request, bool isEx, HvFlushFlags flags, IVpIndexMap map, out TlbFlushRequest flush)
    {
        // HV_FLUSH_ALL_PROCESSORS: the mask or set is ignored (TLFS), not even parsed.
        if ((flags & HvFlushFlags.AllProcessors) != 0)
        {
            flush = TlbFlushRequest.All;
            HypercallTraceDetails.Current?.SetTargets(HypercallTargetShape.All, map.VcpuCount, banks: 0);
            return HvStatus.Success;
        }

        HvVpSet set;
        if (!isEx)
        {
            // An empty non-Ex mask flushes every VP (KVM's reading, for a Windows Server 2012 bug), not none (TLFS).
            ulong mask = BinaryPrimitives.ReadUInt64LittleEndian(request.FixedHeader[ProcessorMaskOffset..]);
            set = mask == 0 ? HvVpSet.All : HvVpSet.FromProcessorMask(mask);
        }
        else
        {
            HvStatus status = HvVpSet.TryParse(
                request.FixedHeader.Slice(ProcessorSetOffset, HvVpSet.HeaderSize), request.VariableHeader, out set);
            if (status != HvStatus.Success)
            {
                flush = default;
                return status;
            }
        }

        if (set.IsAll)
        {
            flush = TlbFlushRequest.All;
        }
        else
        {
            flush = default;
            set.AddVcpusTo(map, ref flush.Vcpus);
        }

        HypercallTraceDetails.Current?.SetTargets(ShapeOf(isEx, in set), flush.CountIn(map.VcpuCount), isEx ? request.VariableHeader.Length / 8 : 0);
        return HvStatus.Success;
    }

    /// <summary>How the guest named a parsed target set, for traces.</summary>
    internal static HypercallTargetShape ShapeOf(bool isEx, in HvVpSet set) =>
        set.IsAll ? HypercallTargetShape.All : isEx ? HypercallTargetShape.Sparse : HypercallTargetShape.Mask;

    /// <summary>Hands the request to the engine: one call per invocation, as built.</summary>
    private static HvStatus Flush(HypercallRequest request, ITlbFlushEngine engine, in TlbFlushRequest flush)
    {
        TlbFlushResult result = engine.Flush(request.ProcessorIndex, in flush);
        HypercallTraceDetails.Current?.SetFlush(engine.StrategyName, result.Elapsed, result.Kicked);

        // Incomplete only when a target's thread is gone (the VM is stopping): say so rather than claim success.
        return result.Complete ? HvStatus.Success : HvStatus.InvalidVpState;
    }
}

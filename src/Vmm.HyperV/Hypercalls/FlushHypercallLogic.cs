using System.Buffers.Binary;
using Vmm.HyperV.TlbFlush;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Hypercalls;

/// <summary>
/// What the four flush handlers share: flag checks, target decoding, and the batching of a list call's ranges into one
/// engine call. The rules and where the anchors disagree are listed on <see cref="FlushHypercalls"/>.
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
    private const int AddressSpaceOffset = 0;
    private const int FlagsOffset = 8;
    private const int ProcessorMaskOffset = 16;
    private const int ProcessorSetOffset = 16;

    /// <summary>HvCallFlushVirtualAddressSpace / SpaceEx.</summary>
    public static HypercallOutcome FlushSpace(HypercallRequest request, bool isEx, ITlbFlushService service, IVpIndexMap map, bool extendedRangesOffered)
    {
        ReadOnlySpan<byte> header = request.FixedHeader;
        ulong addressSpace = BinaryPrimitives.ReadUInt64LittleEndian(header[AddressSpaceOffset..]);
        var flags = (HvFlushFlags)BinaryPrimitives.ReadUInt64LittleEndian(header[FlagsOffset..]);
        HvStatus status = CheckFlags(flags, isList: false, extendedRangesOffered);
        if (status != HvStatus.Success)
        {
            return status;
        }

        status = ReadTargets(request, isEx, flags, map, out TargetSet targets);
        if (status != HvStatus.Success)
        {
            return status;
        }

        return service.FlushVirtualAddressSpace(request.ProcessorIndex, in targets, addressSpace, flags);
    }

    /// <summary>HvCallFlushVirtualAddressList / ListEx: reps [RepStartIndex, RepEndIndex) in one engine call.</summary>
    public static HypercallOutcome FlushList(HypercallRequest request, bool isEx, ITlbFlushService service, IVpIndexMap map, bool extendedRangesOffered)
    {
        int start = request.RepStartIndex;
        int end = request.RepEndIndex;
        ReadOnlySpan<byte> header = request.FixedHeader;
        ulong addressSpace = BinaryPrimitives.ReadUInt64LittleEndian(header[AddressSpaceOffset..]);
        var flags = (HvFlushFlags)BinaryPrimitives.ReadUInt64LittleEndian(header[FlagsOffset..]);
        HvStatus status = CheckFlags(flags, isList: true, extendedRangesOffered);
        if (status != HvStatus.Success)
        {
            return HypercallOutcome.Failure(status, start);
        }

        status = ReadTargets(request, isEx, flags, map, out TargetSet targets);
        if (status != HvStatus.Success)
        {
            return HypercallOutcome.Failure(status, start);
        }

        // An extended large-page entry with reserved bits 20:13 set ends the call with INVALID_PARAMETER at that rep;
        // the reps before it are flushed and reported done (TLFS "Hypercall Classes").
        bool extended = (flags & HvFlushFlags.UseExtendedRangeFormat) != 0;
        int stop = end;
        if (extended)
        {
            for (int i = start; i < end; i++)
            {
                if (ReadEntry(request, i).HasExtendedReservedBitsSet)
                {
                    stop = i;
                    break;
                }
            }
        }

        if (stop > start)
        {
            status = FlushRanges(request, service, in targets, addressSpace, flags, start, stop, extended);
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

    private static HvStatus ReadTargets(HypercallRequest request, bool isEx, HvFlushFlags flags, IVpIndexMap map, out TargetSet targets)
    {
        // HV_FLUSH_ALL_PROCESSORS: the mask or set is ignored (TLFS), not even parsed.
        if ((flags & HvFlushFlags.AllProcessors) != 0)
        {
            targets = TargetSet.All(map.VcpuCount);
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
                targets = default;
                return status;
            }
        }

        targets = TargetSet.FromVpSet(in set, map);
        return HvStatus.Success;
    }

    private static HvStatus FlushRanges(
        HypercallRequest request,
        ITlbFlushService service,
        in TargetSet targets,
        ulong addressSpace,
        HvFlushFlags flags,
        int start,
        int stop,
        bool extended)
    {
        int count = stop - start;
        if (count > FlushHypercalls.MaxRangesPerFlush)
        {
            // More ranges than one engine call carries: flush the whole address space instead (over-flushing is
            // allowed; the engine's per-vCPU queue would turn them into a full flush anyway). No NON_GLOBAL flag can
            // be set on a list call, so global mappings in the ranges are covered.
            return service.FlushVirtualAddressSpace(
                request.ProcessorIndex, in targets, addressSpace, flags & ~HvFlushFlags.UseExtendedRangeFormat);
        }

        Span<GvaRange> ranges = stackalloc GvaRange[FlushHypercalls.MaxRangesPerFlush];
        for (int i = 0; i < count; i++)
        {
            ranges[i] = GvaRange.Decode(ReadEntry(request, start + i), extended);
        }

        return service.FlushVirtualAddressList(request.ProcessorIndex, in targets, addressSpace, flags, ranges[..count]);
    }

    private static HvGvaRange ReadEntry(HypercallRequest request, int rep) =>
        new(BinaryPrimitives.ReadUInt64LittleEndian(request.RepInput(rep)));
}

using System.Buffers.Binary;
using Vmm.Core.TlbFlush;
using Vmm.HyperV.TlbFlush;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Hypercalls;

/// <summary>
/// The four flush hypercalls, one instance per call code: validate the input in TLFS order, build the invocation's
/// one <see cref="TlbFlushRequest"/> and pass it to the engine. Validation order, statuses and the choices where the
/// anchors disagree: <see cref="FlushHypercalls"/>.
/// </summary>
/// <remarks>
/// Inputs (docs/hyperv.md#flush-inputs, #gva-ranges, #vp-sets):
/// <list type="bullet">
/// <item>HvCallFlushVirtualAddressSpace (0x0002, simple): AddressSpace, Flags, ProcessorMask (24 bytes). As a fast call it
/// needs XMM input (RDX, R8, XMM0 low).</item>
/// <item>HvCallFlushVirtualAddressList (0x0003, rep): the 24-byte Space header, then one GVA range QWORD per rep.</item>
/// <item>HvCallFlushVirtualAddressSpaceEx (0x0013, simple + variable header): AddressSpace, Flags,
/// ProcessorSet.Format, ProcessorSet.ValidBanksMask (32 bytes), then one bank QWORD per mask bit as the variable
/// header.</item>
/// <item>HvCallFlushVirtualAddressListEx (0x0014, rep + variable header): the 32-byte SpaceEx header, the bank QWORDs,
/// then one GVA range QWORD per rep.</item>
/// </list>
/// List calls: reps [RepStartIndex, RepEndIndex) are one engine request; a non-zero start index is a continuation and
/// legal. AddressSpace is never read: every request is a full flush of each target (see <see cref="TlbFlushRequest"/>).
/// </remarks>
public sealed class FlushVirtualAddressHypercall : IHypercall
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

    private readonly ITlbFlushEngine _engine;
    private readonly IVpIndexMap _map;
    private readonly bool _extendedGvaRanges;
    private readonly bool _isEx;
    private readonly bool _isList;

    /// <summary>Creates the handler of <paramref name="code"/>.</summary>
    /// <param name="code">One of the four flush calls.</param>
    /// <param name="engine">The flush engine.</param>
    /// <param name="map">VP index → vCPU index.</param>
    /// <param name="extendedGvaRanges">True when CPUID 0x40000003.EDX bit 14 is advertised (HV_FLUSH_USE_EXTENDED_RANGE_FORMAT is valid).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="code"/> is not a flush call.</exception>
    public FlushVirtualAddressHypercall(HvCallCode code, ITlbFlushEngine engine, IVpIndexMap map, bool extendedGvaRanges = false)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(map);
        Layout = code switch
        {
            HvCallCode.HvCallFlushVirtualAddressSpace => HypercallLayout.Simple(code, inputSize: 24),
            HvCallCode.HvCallFlushVirtualAddressList => HypercallLayout.Rep(code, headerSize: 24, repInputSize: 8),
            HvCallCode.HvCallFlushVirtualAddressSpaceEx => HypercallLayout.Simple(code, inputSize: 32),
            HvCallCode.HvCallFlushVirtualAddressListEx => HypercallLayout.Rep(code, headerSize: 32, repInputSize: 8),
            _ => throw new ArgumentOutOfRangeException(nameof(code), code, "Not a flush hypercall."),
        };
        _engine = engine;
        _map = map;
        _extendedGvaRanges = extendedGvaRanges;
        _isEx = code is HvCallCode.HvCallFlushVirtualAddressSpaceEx or HvCallCode.HvCallFlushVirtualAddressListEx;
        _isList = code is HvCallCode.HvCallFlushVirtualAddressList or HvCallCode.HvCallFlushVirtualAddressListEx;
    }

    /// <inheritdoc/>
    public HypercallLayout Layout { get; }

    /// <inheritdoc/>
    public HypercallOutcome Invoke(HypercallRequest request)
    {
        var flags = (HvFlushFlags)BinaryPrimitives.ReadUInt64LittleEndian(request.FixedHeader[FlagsOffset..]);
        HvStatus status = CheckFlags(flags, _isList, _extendedGvaRanges);
        TlbFlushRequest flush = default;
        if (status == HvStatus.Success)
        {
            status = ReadTargets(request, flags, ref flush);
        }

        if (!_isList)
        {
            return status != HvStatus.Success ? status : Flush(request, in flush);
        }

        int start = request.RepStartIndex;
        int end = request.RepEndIndex;
        if (status != HvStatus.Success)
        {
            return HypercallOutcome.Failure(status, start);
        }

        // The GVA entries are validated, never decoded (every request is a full flush). An extended large-page entry
        // with reserved bits 20:13 set ends the call with INVALID_PARAMETER at that rep; the reps before it are
        // flushed and reported done (TLFS "Hypercall Classes").
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
            status = Flush(request, in flush);
            if (status != HvStatus.Success)
            {
                return HypercallOutcome.Failure(status, start);
            }
        }

        return stop < end ? HypercallOutcome.Failure(HvStatus.InvalidParameter, stop) : HypercallOutcome.Success;
    }

    /// <summary>How the guest named a parsed target set, for traces (the cluster-IPI calls use it too).</summary>
    internal static HypercallTargetShape ShapeOf(bool isEx, in HvVpSet set) =>
        set.IsAll ? HypercallTargetShape.All : isEx ? HypercallTargetShape.Sparse : HypercallTargetShape.Mask;

    /// <summary>
    /// Flag rules, in bit order: reserved bits (4-63, including OpenVMM's VTL bits 4, 8, 9: no VSM here) →
    /// INVALID_PARAMETER; USE_EXTENDED_RANGE_FORMAT without CPUID 0x40000003.EDX bit 14 → INVALID_PARAMETER (the bit
    /// is reserved then); NON_GLOBAL_MAPPINGS_ONLY on a list call → INVALID_PARAMETER (TLFS: "treated as an invalid
    /// option").
    /// </summary>
    private static HvStatus CheckFlags(HvFlushFlags flags, bool isList, bool extendedRangesOffered)
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

    /// <summary>Reads the processor mask or HV_VP_SET into <paramref name="flush"/> (built here, once per invocation).</summary>
    private HvStatus ReadTargets(HypercallRequest request, HvFlushFlags flags, ref TlbFlushRequest flush)
    {
        // HV_FLUSH_ALL_PROCESSORS: the mask or set is ignored (TLFS), not even parsed.
        if ((flags & HvFlushFlags.AllProcessors) != 0)
        {
            flush = TlbFlushRequest.All;
            HypercallTraceDetails.Current?.SetTargets(HypercallTargetShape.All, _map.VcpuCount, banks: 0);
            return HvStatus.Success;
        }

        HvVpSet set;
        if (!_isEx)
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
                return status;
            }
        }

        if (set.IsAll)
        {
            flush = TlbFlushRequest.All;
        }
        else
        {
            set.AddVcpusTo(_map, ref flush.Vcpus);
        }

        HypercallTraceDetails.Current?.SetTargets(ShapeOf(_isEx, in set), flush.CountIn(_map.VcpuCount), _isEx ? request.VariableHeader.Length / 8 : 0);
        return HvStatus.Success;
    }

    /// <summary>Hands the request to the engine: one call per invocation, as built.</summary>
    private HvStatus Flush(HypercallRequest request, in TlbFlushRequest flush)
    {
        TlbFlushResult result = _engine.Flush(request.ProcessorIndex, in flush);
        HypercallTraceDetails.Current?.SetFlush(_engine.StrategyName, result.Elapsed, result.Kicked);

        // Incomplete only when a target's thread is gone (the VM is stopping): say so rather than claim success.
        return result.Complete ? HvStatus.Success : HvStatus.InvalidVpState;
    }
}

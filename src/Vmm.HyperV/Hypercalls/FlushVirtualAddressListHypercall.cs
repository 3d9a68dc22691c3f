using Vmm.Core.TlbFlush;
using Vmm.HyperV.TlbFlush;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Hypercalls;

/// <summary>HvCallFlushVirtualAddressList (0x0003, rep): flushes GVA ranges on the VPs of a 64-bit ProcessorMask.</summary>
/// <remarks>
/// Input: the 24-byte Space header, then one GVA range QWORD per rep (docs/hyperv.md#flush-inputs, #gva-ranges). Reps [RepStartIndex, RepEndIndex) go to the engine in one call; a non-zero start index is a continuation and legal. Validation order, statuses and the choices where the anchors disagree: <see cref="FlushHypercalls"/>.
/// </remarks>
public sealed class FlushVirtualAddressListHypercall : IHypercall
{
    private readonly ITlbFlushEngine _engine;
    private readonly IVpIndexMap _map;
    private readonly bool _extendedGvaRanges;

    /// <summary>Creates the handler.</summary>
    /// <param name="engine">The flush engine.</param>
    /// <param name="map">VP index → vCPU index.</param>
    /// <param name="extendedGvaRanges">True when CPUID 0x40000003.EDX bit 14 is advertised (HV_FLUSH_USE_EXTENDED_RANGE_FORMAT is valid).</param>
    public FlushVirtualAddressListHypercall(ITlbFlushEngine engine, IVpIndexMap map, bool extendedGvaRanges = false)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(map);
        _engine = engine;
        _map = map;
        _extendedGvaRanges = extendedGvaRanges;
    }

    /// <inheritdoc/>
    public HypercallLayout Layout { get; } = HypercallLayout.Rep(HvCallCode.HvCallFlushVirtualAddressList, headerSize: 24, repInputSize: 8);

    /// <inheritdoc/>
    public HypercallOutcome Invoke(HypercallRequest request) =>
        FlushHypercallLogic.FlushList(request, isEx: false, _engine, _map, _extendedGvaRanges);
}

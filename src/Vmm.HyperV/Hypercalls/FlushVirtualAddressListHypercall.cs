using Vmm.HyperV.TlbFlush;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Hypercalls;

/// <summary>HvCallFlushVirtualAddressList (0x0003, rep): flushes GVA ranges on the VPs of a 64-bit ProcessorMask.</summary>
/// <remarks>
/// Input: the 24-byte Space header, then one GVA range QWORD per rep (docs/hyperv.md#flush-inputs, #gva-ranges). Reps [RepStartIndex, RepEndIndex) go to the engine in one call; a non-zero start index is a continuation and legal. Validation order, statuses and the choices where the anchors disagree: <see cref="FlushHypercalls"/>.
/// </remarks>
public sealed class FlushVirtualAddressListHypercall : IHypercall
{
    private readonly ITlbFlushService _service;
    private readonly IVpIndexMap _map;
    private readonly bool _extendedGvaRanges;

    /// <summary>Creates the handler.</summary>
    /// <param name="service">The flush engine.</param>
    /// <param name="map">VP index → vCPU index.</param>
    /// <param name="extendedGvaRanges">True when CPUID 0x40000003.EDX bit 14 is advertised (HV_FLUSH_USE_EXTENDED_RANGE_FORMAT is valid).</param>
    public FlushVirtualAddressListHypercall(ITlbFlushService service, IVpIndexMap map, bool extendedGvaRanges = false)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(map);
        _service = service;
        _map = map;
        _extendedGvaRanges = extendedGvaRanges;
    }

    /// <inheritdoc/>
    public HypercallLayout Layout { get; } = HypercallLayout.Rep(HvCallCode.HvCallFlushVirtualAddressList, headerSize: 24, repInputSize: 8);

    /// <inheritdoc/>
    public HypercallOutcome Invoke(HypercallRequest request) =>
        FlushHypercallLogic.FlushList(request, isEx: false, _service, _map, _extendedGvaRanges);
}

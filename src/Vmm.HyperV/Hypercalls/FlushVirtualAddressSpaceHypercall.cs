using Vmm.Core.TlbFlush;
using Vmm.HyperV.TlbFlush;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Hypercalls;

/// <summary>HvCallFlushVirtualAddressSpace (0x0002, simple): flushes whole address spaces on the VPs of a 64-bit ProcessorMask.</summary>
/// <remarks>
/// Input: AddressSpace, Flags, ProcessorMask (24 bytes; docs/hyperv.md#flush-inputs). As a fast call it needs XMM input (RDX, R8, XMM0 low). Validation order, statuses and the choices where the anchors disagree: <see cref="FlushHypercalls"/>.
/// </remarks>
public sealed class FlushVirtualAddressSpaceHypercall : IHypercall
{
    private readonly ITlbFlushEngine _engine;
    private readonly IVpIndexMap _map;
    private readonly bool _extendedGvaRanges;

    /// <summary>Creates the handler.</summary>
    /// <param name="engine">The flush engine.</param>
    /// <param name="map">VP index → vCPU index.</param>
    /// <param name="extendedGvaRanges">True when CPUID 0x40000003.EDX bit 14 is advertised (HV_FLUSH_USE_EXTENDED_RANGE_FORMAT is valid).</param>
    public FlushVirtualAddressSpaceHypercall(ITlbFlushEngine engine, IVpIndexMap map, bool extendedGvaRanges = false)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(map);
        _engine = engine;
        _map = map;
        _extendedGvaRanges = extendedGvaRanges;
    }

    /// <inheritdoc/>
    public HypercallLayout Layout { get; } = HypercallLayout.Simple(HvCallCode.HvCallFlushVirtualAddressSpace, inputSize: 24);

    /// <inheritdoc/>
    public HypercallOutcome Invoke(HypercallRequest request) =>
        FlushHypercallLogic.FlushSpace(request, isEx: false, _engine, _map, _extendedGvaRanges);
}

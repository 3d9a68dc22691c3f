using Vmm.Core.TlbFlush;
using Vmm.HyperV.TlbFlush;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Hypercalls;

/// <summary>HvCallFlushVirtualAddressSpaceEx (0x0013, simple + variable header): flushes whole address spaces on the VPs of an HV_VP_SET.</summary>
/// <remarks>
/// Input: AddressSpace, Flags, ProcessorSet.Format, ProcessorSet.ValidBanksMask (32 bytes), then one bank QWORD per mask bit as the variable header (docs/hyperv.md#flush-inputs, #vp-sets). Validation order, statuses and the choices where the anchors disagree: <see cref="FlushHypercalls"/>.
/// </remarks>
public sealed class FlushVirtualAddressSpaceExHypercall : IHypercall
{
    private readonly ITlbFlushEngine _engine;
    private readonly IVpIndexMap _map;
    private readonly bool _extendedGvaRanges;

    /// <summary>Creates the handler.</summary>
    /// <param name="engine">The flush engine.</param>
    /// <param name="map">VP index → vCPU index.</param>
    /// <param name="extendedGvaRanges">True when CPUID 0x40000003.EDX bit 14 is advertised (HV_FLUSH_USE_EXTENDED_RANGE_FORMAT is valid).</param>
    public FlushVirtualAddressSpaceExHypercall(ITlbFlushEngine engine, IVpIndexMap map, bool extendedGvaRanges = false)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(map);
        _engine = engine;
        _map = map;
        _extendedGvaRanges = extendedGvaRanges;
    }

    /// <inheritdoc/>
    public HypercallLayout Layout { get; } = HypercallLayout.Simple(HvCallCode.HvCallFlushVirtualAddressSpaceEx, inputSize: 32);

    /// <inheritdoc/>
    public HypercallOutcome Invoke(HypercallRequest request) =>
        FlushHypercallLogic.FlushSpace(request, isEx: true, _engine, _map, _extendedGvaRanges);
}

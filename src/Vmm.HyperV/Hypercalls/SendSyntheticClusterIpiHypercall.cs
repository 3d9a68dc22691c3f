using Vmm.HyperV.TlbFlush;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Hypercalls;

/// <summary>HvCallSendSyntheticClusterIpi (0x000B, simple): sends a fixed interrupt to the VPs of a 64-bit ProcessorMask.</summary>
/// <remarks>
/// Input: u32 Vector, u8 TargetVtl, 3 reserved bytes, u64 ProcessorMask (16 bytes; docs/hyperv.md#cluster-ipi). Linux sends it as a plain fast call: RDX = vector, R8 = mask. Validation order, statuses and the choices where the anchors disagree: <see cref="FlushHypercalls"/>.
/// </remarks>
public sealed class SendSyntheticClusterIpiHypercall : IHypercall
{
    private readonly ISyntheticIpiSender _sender;
    private readonly IVpIndexMap _map;

    /// <summary>Creates the handler.</summary>
    /// <param name="sender">Delivers the interrupts.</param>
    /// <param name="map">VP index → vCPU index.</param>
    public SendSyntheticClusterIpiHypercall(ISyntheticIpiSender sender, IVpIndexMap map)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(map);
        _sender = sender;
        _map = map;
    }

    /// <inheritdoc/>
    public HypercallLayout Layout { get; } = HypercallLayout.Simple(HvCallCode.HvCallSendSyntheticClusterIpi, inputSize: 16);

    /// <inheritdoc/>
    public HypercallOutcome Invoke(HypercallRequest request) =>
        SyntheticClusterIpiLogic.Send(request, isEx: false, _sender, _map);
}

using Vmm.HyperV.TlbFlush;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Hypercalls;

/// <summary>HvCallSendSyntheticClusterIpiEx (0x0015, simple + variable header): sends a fixed interrupt to the VPs of an HV_VP_SET.</summary>
/// <remarks>
/// Input: u32 Vector, u8 TargetVtl, 3 reserved bytes, ProcessorSet.Format, ProcessorSet.ValidBanksMask (24 bytes), then one bank QWORD per mask bit as the variable header (docs/hyperv.md#cluster-ipi). As a fast call it needs XMM input. Validation order, statuses and the choices where the anchors disagree: <see cref="FlushHypercalls"/>.
/// </remarks>
public sealed class SendSyntheticClusterIpiExHypercall : IHypercall
{
    private readonly ISyntheticIpiSender _sender;
    private readonly IVpIndexMap _map;

    /// <summary>Creates the handler.</summary>
    /// <param name="sender">Delivers the interrupts.</param>
    /// <param name="map">VP index → vCPU index.</param>
    public SendSyntheticClusterIpiExHypercall(ISyntheticIpiSender sender, IVpIndexMap map)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(map);
        _sender = sender;
        _map = map;
    }

    /// <inheritdoc/>
    public HypercallLayout Layout { get; } = HypercallLayout.Simple(HvCallCode.HvCallSendSyntheticClusterIpiEx, inputSize: 24);

    /// <inheritdoc/>
    public HypercallOutcome Invoke(HypercallRequest request) =>
        SyntheticClusterIpiLogic.Send(request, isEx: true, _sender, _map);
}

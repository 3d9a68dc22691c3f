using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Hypercalls;

/// <summary>
/// HvCallNotifyLongSpinWait (0x0008): the guest tells the hypervisor a spinlock has spun for the recommended retry
/// count. A hint; it always succeeds (docs/hyperv.md#call-codes).
/// </summary>
/// <remarks>
/// Input: u32 SpinCount, 4 bytes RsvdZ (8 bytes, usually a fast call). Nothing is done with it yet: yielding the
/// vCPU thread here would help an overcommitted host, but this call is also the "null hypercall" of
/// <c>vmm bench hypercalls</c>, whose numbers must measure only the round trip.
/// </remarks>
public sealed class NotifyLongSpinWaitHypercall : IHypercall
{
    /// <inheritdoc/>
    public HypercallLayout Layout { get; } = HypercallLayout.Simple(HvCallCode.HvCallNotifyLongSpinWait, inputSize: 8);

    /// <inheritdoc/>
    public HypercallOutcome Invoke(HypercallRequest request) => HypercallOutcome.Success;
}

namespace Vmm.HyperV.Hypercalls;

/// <summary>
/// Delivers the interrupts of HvCallSendSyntheticClusterIpi / Ex: fixed, edge-triggered interrupts only
/// (docs/hyperv.md#cluster-ipi); the handlers call it once per target vCPU, on the sender's thread.
/// </summary>
/// <remarks>Called concurrently from several vCPU threads; must not allocate and must not wait for the target.</remarks>
public interface ISyntheticIpiSender
{
    /// <summary>Raises a fixed interrupt of <paramref name="vector"/> (0x10..0xFF) on vCPU <paramref name="vcpu"/> (a vCPU index, maybe the sender's own).</summary>
    void SendFixedInterrupt(int vcpu, byte vector);
}

namespace Vmm.HyperV.Hypercalls;

/// <summary>Receives one record per hypercall the dispatcher ended (see <see cref="HypercallTraceWriter"/>).</summary>
/// <remarks>
/// Called on the calling vCPU's thread right after the call ended, from several vCPU threads at once: implementations
/// are thread-safe and quick (the guest's vCPU waits).
/// </remarks>
public interface IHypercallTracer
{
    /// <summary>Records one hypercall.</summary>
    void OnHypercall(in HypercallTraceRecord record);
}

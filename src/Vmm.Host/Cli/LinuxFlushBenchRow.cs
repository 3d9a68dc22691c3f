namespace Vmm.Host.Cli;

/// <summary>The medians of one mode at one vCPU count over the boots that counted.</summary>
/// <param name="Mode">Who served the flushes.</param>
/// <param name="Vcpus">vCPUs.</param>
/// <param name="WallMs">Median wall time of the workload (the guest's clock), or null when no boot counted.</param>
/// <param name="SysMs">Median kernel CPU time of the workload (tlbcheck's getrusage): the guest sys time.</param>
/// <param name="StatKernelMs">Median kernel time of all guest CPUs around the workload (/proc/stat system + irq + softirq).</param>
/// <param name="Tracepoint">Median events of hyperv_mmu_flush_tlb_multi during the workload (each one flush hypercall on the PV path).</param>
/// <param name="VmmRequests">Median flush requests vmm served over the boot, or null (QEMU).</param>
/// <param name="TlbIpis">Median growth of the TLB row of /proc/interrupts during the workload.</param>
/// <param name="Passed">Boots that counted.</param>
/// <param name="Failed">Boots that did not.</param>
/// <param name="Failure">Why the first failed boot did not count, or null.</param>
/// <param name="VmmP50Us">Median of vmm's per-boot median time to serve a flush request, or null.</param>
internal sealed record LinuxFlushBenchRow(
    LinuxFlushMode Mode, int Vcpus, double? WallMs, double? SysMs, double? StatKernelMs, double? Tracepoint, double? VmmRequests, double? TlbIpis,
    int Passed, int Failed, string? Failure, double? VmmP50Us = null)
{
    /// <summary>No boot of this row counted: the column is not available here (<see cref="Failure"/> says why).</summary>
    public bool Unavailable => Passed == 0;
}

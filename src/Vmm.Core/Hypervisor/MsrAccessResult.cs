namespace Vmm.Core.Hypervisor;

/// <summary>The outcome of an MSR access serviced in userspace.</summary>
public enum MsrAccessResult
{
    /// <summary>The access completed.</summary>
    Ok = 0,

    /// <summary>The access faults: the backend injects #GP(0) (SDM Vol. 2B RDMSR/WRMSR).</summary>
    GeneralProtection = 1,
}

using Vmm.Core.Hypervisor;

namespace Vmm.Core.Vcpu;

/// <summary>Services MSRs the platform sends to userspace (the Hyper-V synthetic MSRs, for one).</summary>
public interface IMsrHandler
{
    /// <summary>RDMSR; return <see cref="MsrAccessResult.GeneralProtection"/> for an MSR this handler does not know.</summary>
    MsrAccessResult Read(int processorIndex, uint index, out ulong value);

    /// <summary>WRMSR; return <see cref="MsrAccessResult.GeneralProtection"/> for an MSR this handler does not know.</summary>
    MsrAccessResult Write(int processorIndex, uint index, ulong value);
}

namespace Vmm.Kvm;

/// <summary>
/// Which kernel module serves /dev/kvm. The flavours differ in ways the VMM and its tests must know about:
/// <list type="bullet">
/// <item><see cref="Pvm"/> (module kvm_pvm, "Pagetable-based Virtual Machine"): runs guests without VMX/SVM inside
/// another VM; guest CPL0 code is emulated instruction by instruction, so a stock Linux kernel cannot run there
/// (its emulator fails on <c>int3</c>); it completes a port-I/O exit before returning to userspace (RIP already past
/// the <c>out</c>) and never marks a vCPU preempted in its steal-time record.</item>
/// <item><see cref="Vmx"/> / <see cref="Svm"/> (kvm_intel / kvm_amd, upstream KVM on hardware virtualization, or
/// on a nested virtual CPU): a port-I/O, MMIO or MSR exit reaches userspace with RIP still at the instruction,
/// which KVM completes at the next KVM_RUN (Documentation/virt/kvm/api.rst, KVM_EXIT_IO and "immediate_exit");
/// preempted vCPUs are marked KVM_VCPU_PREEMPTED (Documentation/virt/kvm/x86/msr.rst, MSR_KVM_STEAL_TIME).</item>
/// </list>
/// Measured differences are in docs/kvm-host.md.
/// </summary>
public enum KvmFlavor
{
    /// <summary>No known vendor module is loaded (or /sys is not mounted).</summary>
    Unknown,

    /// <summary>kvm_pvm: PVM, guest kernel code emulated.</summary>
    Pvm,

    /// <summary>kvm_intel: hardware-assisted, Intel VMX.</summary>
    Vmx,

    /// <summary>kvm_amd: hardware-assisted, AMD SVM.</summary>
    Svm,
}

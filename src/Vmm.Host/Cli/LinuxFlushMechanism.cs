namespace Vmm.Host.Cli;

/// <summary>How the guest of `vmm bench linux-flush` flushes remote TLBs.</summary>
internal enum LinuxFlushMechanism
{
    /// <summary>vmm with `--hv none`: Linux's own shootdown, an IPI to every target CPU (arch/x86/mm/tlb.c native_flush_tlb_multi).</summary>
    Ipi,

    /// <summary>vmm's Hyper-V profile: HvCallFlushVirtualAddressSpace/List served by vmm in user space (arch/x86/hyperv/mmu.c).</summary>
    VmmPv,

    /// <summary>QEMU+KVM with hv-tlbflush: the same hypercalls served by KVM in the kernel (arch/x86/kvm/hyperv.c).</summary>
    KvmPv,
}

using Vmm.Core.Memory;

namespace Vmm.Core.Hypervisor;

/// <summary>A partition (a VM): guest memory mappings, virtual processors and interrupt delivery.</summary>
public interface IPartition : IDisposable
{
    /// <summary>Guest RAM as mapped into this partition.</summary>
    GuestMemory Memory { get; }

    /// <summary>The virtual processors, indexed by vCPU index.</summary>
    IReadOnlyList<IVirtualProcessor> Processors { get; }

    /// <summary>
    /// The code the VMM writes at the start of the guest's hypercall page when the guest enables it
    /// (HV_X64_MSR_HYPERCALL): a call into it traps to the VMM and returns with the result in RAX. KVM: `out
    /// imm8, al; ret` on the reserved port; WHP: `vmcall; ret` or `vmmcall; ret`.
    /// </summary>
    ReadOnlySpan<byte> HypercallPageCode { get; }

    /// <summary>The guest's TSC frequency in Hz (what RDTSC counts per second inside the guest).</summary>
    ulong TscFrequencyHz { get; }

    /// <summary>The frequency the local APIC timer counts at, in Hz (the Hyper-V APIC_FREQUENCY MSR reports it).</summary>
    ulong ApicTimerFrequencyHz { get; }

    /// <summary>
    /// Flushes every vCPU's guest TLB synchronously, letting the platform wait only for vCPUs that are running in the
    /// guest (KVM: deleting and re-adding a scratch memslot zaps every shadow page and sends KVM's own remote flush,
    /// which does not wait for descheduled vCPUs). False when the platform offers no such flush.
    /// </summary>
    bool TryFlushAllGuestTlbs();

    /// <summary>Sets the level of an interrupt line of the platform's interrupt controller (ISA IRQ or GSI).</summary>
    void SetIrqLine(uint irq, bool level);

    /// <summary>Delivers a fixed interrupt with <paramref name="vector"/> to the vCPU with index <paramref name="processorIndex"/>.</summary>
    void SendFixedInterrupt(int processorIndex, byte vector);
}

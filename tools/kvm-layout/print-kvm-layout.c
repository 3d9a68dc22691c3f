/* Prints the x86-64 sizes, offsets, ioctl numbers and constants of include/uapi/linux/kvm.h that the
 * KVM backend relies on. tests/Vmm.Kvm.Tests/Interop pins the C# structs to these numbers; rerun this
 * (gcc -o /tmp/p print-kvm-layout.c && /tmp/p) when the backend starts using a new struct. */
#include <stdio.h>
#include <stddef.h>
#include <linux/kvm.h>
#define S(t) printf("sizeof %s = %zu\n", #t, sizeof(struct t))
#define O(t,f) printf("  %s.%s = %zu\n", #t, #f, offsetof(struct t, f))
int main(){
S(kvm_run); O(kvm_run,request_interrupt_window);O(kvm_run,immediate_exit);O(kvm_run,exit_reason);O(kvm_run,ready_for_interrupt_injection);O(kvm_run,if_flag);O(kvm_run,flags);O(kvm_run,cr8);O(kvm_run,apic_base);O(kvm_run,io);O(kvm_run,mmio);O(kvm_run,msr);O(kvm_run,internal);O(kvm_run,fail_entry);O(kvm_run,system_event);O(kvm_run,kvm_valid_regs);O(kvm_run,kvm_dirty_regs);O(kvm_run,s);
O(kvm_run,io.direction);O(kvm_run,io.size);O(kvm_run,io.port);O(kvm_run,io.count);O(kvm_run,io.data_offset);
O(kvm_run,mmio.phys_addr);O(kvm_run,mmio.data);O(kvm_run,mmio.len);O(kvm_run,mmio.is_write);
O(kvm_run,msr.error);O(kvm_run,msr.reason);O(kvm_run,msr.index);O(kvm_run,msr.data);
O(kvm_run,internal.suberror);O(kvm_run,internal.ndata);O(kvm_run,internal.data);
O(kvm_run,system_event.type);O(kvm_run,system_event.ndata);
O(kvm_run,fail_entry.hardware_entry_failure_reason);O(kvm_run,fail_entry.cpu);
printf("sizeof kvm_sync_regs=%zu\n", sizeof(struct kvm_sync_regs)); O(kvm_sync_regs,regs);O(kvm_sync_regs,sregs);O(kvm_sync_regs,events);
S(kvm_regs);O(kvm_regs,rax);O(kvm_regs,rbx);O(kvm_regs,rcx);O(kvm_regs,rdx);O(kvm_regs,rsi);O(kvm_regs,rdi);O(kvm_regs,rsp);O(kvm_regs,rbp);O(kvm_regs,r8);O(kvm_regs,r15);O(kvm_regs,rip);O(kvm_regs,rflags);
S(kvm_segment);O(kvm_segment,base);O(kvm_segment,limit);O(kvm_segment,selector);O(kvm_segment,type);O(kvm_segment,present);O(kvm_segment,dpl);O(kvm_segment,db);O(kvm_segment,s);O(kvm_segment,l);O(kvm_segment,g);O(kvm_segment,avl);O(kvm_segment,unusable);O(kvm_segment,padding);
S(kvm_dtable);O(kvm_dtable,base);O(kvm_dtable,limit);O(kvm_dtable,padding);
S(kvm_sregs);O(kvm_sregs,cs);O(kvm_sregs,ds);O(kvm_sregs,es);O(kvm_sregs,fs);O(kvm_sregs,gs);O(kvm_sregs,ss);O(kvm_sregs,tr);O(kvm_sregs,ldt);O(kvm_sregs,gdt);O(kvm_sregs,idt);O(kvm_sregs,cr0);O(kvm_sregs,cr2);O(kvm_sregs,cr3);O(kvm_sregs,cr4);O(kvm_sregs,cr8);O(kvm_sregs,efer);O(kvm_sregs,apic_base);O(kvm_sregs,interrupt_bitmap);
S(kvm_vcpu_events);O(kvm_vcpu_events,exception);O(kvm_vcpu_events,interrupt);O(kvm_vcpu_events,nmi);O(kvm_vcpu_events,sipi_vector);O(kvm_vcpu_events,flags);O(kvm_vcpu_events,smi);O(kvm_vcpu_events,reserved);O(kvm_vcpu_events,exception_has_payload);O(kvm_vcpu_events,exception_payload);
O(kvm_vcpu_events,exception.injected);O(kvm_vcpu_events,exception.nr);O(kvm_vcpu_events,exception.has_error_code);O(kvm_vcpu_events,exception.pending);O(kvm_vcpu_events,exception.error_code);
S(kvm_cpuid_entry2);O(kvm_cpuid_entry2,function);O(kvm_cpuid_entry2,index);O(kvm_cpuid_entry2,flags);O(kvm_cpuid_entry2,eax);O(kvm_cpuid_entry2,ebx);O(kvm_cpuid_entry2,ecx);O(kvm_cpuid_entry2,edx);O(kvm_cpuid_entry2,padding);
S(kvm_cpuid2);O(kvm_cpuid2,nent);O(kvm_cpuid2,padding);O(kvm_cpuid2,entries);
S(kvm_msr_entry);O(kvm_msr_entry,index);O(kvm_msr_entry,reserved);O(kvm_msr_entry,data);
S(kvm_msrs);O(kvm_msrs,nmsrs);O(kvm_msrs,pad);O(kvm_msrs,entries);
S(kvm_userspace_memory_region);O(kvm_userspace_memory_region,slot);O(kvm_userspace_memory_region,flags);O(kvm_userspace_memory_region,guest_phys_addr);O(kvm_userspace_memory_region,memory_size);O(kvm_userspace_memory_region,userspace_addr);
S(kvm_enable_cap);O(kvm_enable_cap,cap);O(kvm_enable_cap,flags);O(kvm_enable_cap,args);O(kvm_enable_cap,pad);
S(kvm_signal_mask);O(kvm_signal_mask,len);O(kvm_signal_mask,sigset);
S(kvm_mp_state);S(kvm_irq_level);O(kvm_irq_level,irq);O(kvm_irq_level,level);
S(kvm_msr_filter_range);O(kvm_msr_filter_range,flags);O(kvm_msr_filter_range,nmsrs);O(kvm_msr_filter_range,base);O(kvm_msr_filter_range,bitmap);
S(kvm_msr_filter);O(kvm_msr_filter,flags);O(kvm_msr_filter,ranges);
S(kvm_pit_config); S(kvm_msi); O(kvm_msi,address_lo);O(kvm_msi,address_hi);O(kvm_msi,data);O(kvm_msi,flags);O(kvm_msi,devid);
S(kvm_fpu);O(kvm_fpu,fcw);O(kvm_fpu,last_ip);O(kvm_fpu,last_dp);O(kvm_fpu,xmm);O(kvm_fpu,mxcsr); S(kvm_lapic_state); S(kvm_xcrs); S(kvm_interrupt);
S(kvm_irq_routing_entry);
printf("KVM_RUN=%#lx KVM_GET_SUPPORTED_CPUID=%#lx KVM_SET_CPUID2=%#lx KVM_GET_REGS=%#lx KVM_SET_SREGS=%#lx KVM_SET_SIGNAL_MASK=%#lx KVM_SET_USER_MEMORY_REGION=%#lx KVM_ENABLE_CAP=%#lx KVM_X86_SET_MSR_FILTER=%#lx KVM_SET_VCPU_EVENTS=%#lx KVM_GET_MSRS=%#lx KVM_SET_MP_STATE=%#lx KVM_IRQ_LINE=%#lx KVM_SIGNAL_MSI=%#lx KVM_CREATE_PIT2=%#lx KVM_GET_VCPU_MMAP_SIZE=%#lx KVM_CHECK_EXTENSION=%#lx KVM_CREATE_VM=%#lx KVM_CREATE_VCPU=%#lx KVM_CREATE_IRQCHIP=%#lx KVM_SET_TSS_ADDR=%#lx KVM_SET_IDENTITY_MAP_ADDR=%#lx KVM_GET_API_VERSION=%#lx KVM_SET_REGS=%#lx KVM_GET_SREGS=%#lx KVM_SET_MSRS=%#lx KVM_GET_VCPU_EVENTS=%#lx KVM_GET_MP_STATE=%#lx KVM_IRQ_LINE_STATUS=%#lx KVM_GET_FPU=%#lx KVM_SET_FPU=%#lx KVM_GET_LAPIC=%#lx KVM_SET_LAPIC=%#lx KVM_INTERRUPT=%#lx KVM_GET_TSC_KHZ=%#lx KVM_GET_MSR_INDEX_LIST=%#lx\n",
 (long)KVM_RUN,(long)KVM_GET_SUPPORTED_CPUID,(long)KVM_SET_CPUID2,(long)KVM_GET_REGS,(long)KVM_SET_SREGS,(long)KVM_SET_SIGNAL_MASK,(long)KVM_SET_USER_MEMORY_REGION,(long)KVM_ENABLE_CAP,(long)KVM_X86_SET_MSR_FILTER,(long)KVM_SET_VCPU_EVENTS,(long)KVM_GET_MSRS,(long)KVM_SET_MP_STATE,(long)KVM_IRQ_LINE,(long)KVM_SIGNAL_MSI,(long)KVM_CREATE_PIT2,(long)KVM_GET_VCPU_MMAP_SIZE,(long)KVM_CHECK_EXTENSION,(long)KVM_CREATE_VM,(long)KVM_CREATE_VCPU,(long)KVM_CREATE_IRQCHIP,(long)KVM_SET_TSS_ADDR,(long)KVM_SET_IDENTITY_MAP_ADDR,(long)KVM_GET_API_VERSION,(long)KVM_SET_REGS,(long)KVM_GET_SREGS,(long)KVM_SET_MSRS,(long)KVM_GET_VCPU_EVENTS,(long)KVM_GET_MP_STATE,(long)KVM_IRQ_LINE_STATUS,(long)KVM_GET_FPU,(long)KVM_SET_FPU,(long)KVM_GET_LAPIC,(long)KVM_SET_LAPIC,(long)KVM_INTERRUPT,(long)KVM_GET_TSC_KHZ,(long)KVM_GET_MSR_INDEX_LIST);
printf("CAP_SYNC_REGS=%d CAP_X86_USER_SPACE_MSR=%d CAP_X86_MSR_FILTER=%d CAP_IRQCHIP=%d CAP_IMMEDIATE_EXIT=%d CAP_NR_VCPUS=%d CAP_MAX_VCPUS=%d CAP_PIT2=%d CAP_GET_TSC_KHZ=%d CAP_TSC_CONTROL=%d CAP_SIGNAL_MSI=%d CAP_USER_MEMORY=%d CAP_EXT_CPUID=%d CAP_HLT=%d CAP_NR_MEMSLOTS=%d CAP_X2APIC_API=%d CAP_IRQ_ROUTING=%d CAP_SET_TSS_ADDR=%d CAP_ADJUST_CLOCK=%d\n",KVM_CAP_SYNC_REGS,KVM_CAP_X86_USER_SPACE_MSR,KVM_CAP_X86_MSR_FILTER,KVM_CAP_IRQCHIP,KVM_CAP_IMMEDIATE_EXIT,KVM_CAP_NR_VCPUS,KVM_CAP_MAX_VCPUS,KVM_CAP_PIT2,KVM_CAP_GET_TSC_KHZ,KVM_CAP_TSC_CONTROL,KVM_CAP_SIGNAL_MSI,KVM_CAP_USER_MEMORY,KVM_CAP_EXT_CPUID,KVM_CAP_HLT,KVM_CAP_NR_MEMSLOTS,KVM_CAP_X2APIC_API,KVM_CAP_IRQ_ROUTING,KVM_CAP_SET_TSS_ADDR,KVM_CAP_ADJUST_CLOCK);
printf("EXIT: UNKNOWN=%d EXCEPTION=%d IO=%d HYPERCALL=%d DEBUG=%d HLT=%d MMIO=%d IRQ_WINDOW_OPEN=%d SHUTDOWN=%d FAIL_ENTRY=%d INTR=%d SET_TPR=%d TPR_ACCESS=%d NMI=%d INTERNAL_ERROR=%d SYSTEM_EVENT=%d X86_RDMSR=%d X86_WRMSR=%d\n",KVM_EXIT_UNKNOWN,KVM_EXIT_EXCEPTION,KVM_EXIT_IO,KVM_EXIT_HYPERCALL,KVM_EXIT_DEBUG,KVM_EXIT_HLT,KVM_EXIT_MMIO,KVM_EXIT_IRQ_WINDOW_OPEN,KVM_EXIT_SHUTDOWN,KVM_EXIT_FAIL_ENTRY,KVM_EXIT_INTR,KVM_EXIT_SET_TPR,KVM_EXIT_TPR_ACCESS,KVM_EXIT_NMI,KVM_EXIT_INTERNAL_ERROR,KVM_EXIT_SYSTEM_EVENT,KVM_EXIT_X86_RDMSR,KVM_EXIT_X86_WRMSR);
printf("SYNC: REGS=%d SREGS=%d EVENTS=%d\n", KVM_SYNC_X86_REGS, KVM_SYNC_X86_SREGS, KVM_SYNC_X86_EVENTS);
printf("VCPUEVENT_VALID_NMI_PENDING=%d SIPI=%d SHADOW=%d SMM=%d PAYLOAD=%d\n",KVM_VCPUEVENT_VALID_NMI_PENDING,KVM_VCPUEVENT_VALID_SIPI_VECTOR,KVM_VCPUEVENT_VALID_SHADOW,KVM_VCPUEVENT_VALID_SMM,KVM_VCPUEVENT_VALID_PAYLOAD);
printf("MSR_EXIT_REASON INVAL=%d UNKNOWN=%d FILTER=%d; MSR_FILTER_READ=%d WRITE=%d DEFAULT_DENY=%d\n",KVM_MSR_EXIT_REASON_INVAL,KVM_MSR_EXIT_REASON_UNKNOWN,KVM_MSR_EXIT_REASON_FILTER,KVM_MSR_FILTER_READ,KVM_MSR_FILTER_WRITE,KVM_MSR_FILTER_DEFAULT_DENY);
printf("MP_STATE RUNNABLE=%d UNINIT=%d HALTED=%d\n",KVM_MP_STATE_RUNNABLE,KVM_MP_STATE_UNINITIALIZED,KVM_MP_STATE_HALTED);
printf("SYSTEM_EVENT SHUTDOWN=%d RESET=%d CRASH=%d\n",KVM_SYSTEM_EVENT_SHUTDOWN,KVM_SYSTEM_EVENT_RESET,KVM_SYSTEM_EVENT_CRASH);
printf("INTERNAL_ERROR EMULATION=%d SIMUL_EX=%d DELIVERY_EV=%d UNEXPECTED_EXIT_REASON=%d\n",KVM_INTERNAL_ERROR_EMULATION,KVM_INTERNAL_ERROR_SIMUL_EX,KVM_INTERNAL_ERROR_DELIVERY_EV,KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON);
return 0;}

using System.Runtime.CompilerServices;
using Vmm.Kvm.Interop.Types;

namespace Vmm.Kvm.Tests.Interop;

/// <summary>
/// Every KVM UAPI struct the backend passes to the kernel, pinned to the sizes and offsets that
/// include/uapi/linux/kvm.h gives on x86-64 (printed by tools/kvm-layout/print-kvm-layout.c against
/// linux-libc-dev 6.1). A mismatch here would corrupt kernel-shared memory, so these are exact.
/// </summary>
public sealed unsafe class KvmLayoutTests
{
    public static TheoryData<string, int, int> Sizes => new()
    {
        { nameof(kvm_run), Unsafe.SizeOf<kvm_run>(), 2352 },
        { nameof(kvm_sync_regs), Unsafe.SizeOf<kvm_sync_regs>(), 520 },
        { nameof(kvm_regs), Unsafe.SizeOf<kvm_regs>(), 144 },
        { nameof(kvm_segment), Unsafe.SizeOf<kvm_segment>(), 24 },
        { nameof(kvm_dtable), Unsafe.SizeOf<kvm_dtable>(), 16 },
        { nameof(kvm_sregs), Unsafe.SizeOf<kvm_sregs>(), 312 },
        { nameof(kvm_vcpu_events), Unsafe.SizeOf<kvm_vcpu_events>(), 64 },
        { nameof(kvm_cpuid_entry2), Unsafe.SizeOf<kvm_cpuid_entry2>(), 40 },
        { nameof(kvm_cpuid2), Unsafe.SizeOf<kvm_cpuid2>(), 8 },
        { nameof(kvm_msr_entry), Unsafe.SizeOf<kvm_msr_entry>(), 16 },
        { nameof(kvm_msrs), Unsafe.SizeOf<kvm_msrs>(), 8 },
        { nameof(kvm_userspace_memory_region), Unsafe.SizeOf<kvm_userspace_memory_region>(), 32 },
        { nameof(kvm_enable_cap), Unsafe.SizeOf<kvm_enable_cap>(), 104 },
        { nameof(kvm_signal_mask), Unsafe.SizeOf<kvm_signal_mask>(), 4 },
        { nameof(kvm_irq_level), Unsafe.SizeOf<kvm_irq_level>(), 8 },
        { nameof(kvm_msr_filter_range), Unsafe.SizeOf<kvm_msr_filter_range>(), 24 },
        { nameof(kvm_msr_filter), Unsafe.SizeOf<kvm_msr_filter>(), 392 },
        { nameof(kvm_pit_config), Unsafe.SizeOf<kvm_pit_config>(), 64 },
        { nameof(kvm_msi), Unsafe.SizeOf<kvm_msi>(), 32 },
        { nameof(kvm_fpu), Unsafe.SizeOf<kvm_fpu>(), 416 },
    };

    public static TheoryData<string, int, int> Offsets
    {
        get
        {
            kvm_run run = default;
            kvm_sregs sregs = default;
            kvm_segment seg = default;
            kvm_dtable dt = default;
            kvm_vcpu_events ev = default;
            kvm_cpuid_entry2 cpuid = default;
            kvm_userspace_memory_region mem = default;
            kvm_enable_cap cap = default;
            kvm_msr_filter_range range = default;
            kvm_msr_filter filter = default;
            kvm_msi msi = default;
            kvm_regs regs = default;
            kvm_msr_entry msr = default;
            kvm_fpu fpu = default;
            return new()
            {
                { "kvm_run.immediate_exit", Off(&run, &run.immediate_exit), 1 },
                { "kvm_run.exit_reason", Off(&run, &run.exit_reason), 8 },
                { "kvm_run.ready_for_interrupt_injection", Off(&run, &run.ready_for_interrupt_injection), 12 },
                { "kvm_run.if_flag", Off(&run, &run.if_flag), 13 },
                { "kvm_run.flags", Off(&run, &run.flags), 14 },
                { "kvm_run.cr8", Off(&run, &run.cr8), 16 },
                { "kvm_run.apic_base", Off(&run, &run.apic_base), 24 },
                { "kvm_run.io.direction", Off(&run, &run.io.direction), 32 },
                { "kvm_run.io.size", Off(&run, &run.io.size), 33 },
                { "kvm_run.io.port", Off(&run, &run.io.port), 34 },
                { "kvm_run.io.count", Off(&run, &run.io.count), 36 },
                { "kvm_run.io.data_offset", Off(&run, &run.io.data_offset), 40 },
                { "kvm_run.mmio.phys_addr", Off(&run, &run.mmio.phys_addr), 32 },
                { "kvm_run.mmio.data", Off(&run, run.mmio.data), 40 },
                { "kvm_run.mmio.len", Off(&run, &run.mmio.len), 48 },
                { "kvm_run.mmio.is_write", Off(&run, &run.mmio.is_write), 52 },
                { "kvm_run.msr.error", Off(&run, &run.msr.error), 32 },
                { "kvm_run.msr.reason", Off(&run, &run.msr.reason), 40 },
                { "kvm_run.msr.index", Off(&run, &run.msr.index), 44 },
                { "kvm_run.msr.data", Off(&run, &run.msr.data), 48 },
                { "kvm_run.internal.suberror", Off(&run, &run.@internal.suberror), 32 },
                { "kvm_run.internal.ndata", Off(&run, &run.@internal.ndata), 36 },
                { "kvm_run.internal.data", Off(&run, run.@internal.data), 40 },
                { "kvm_run.system_event.type", Off(&run, &run.system_event.type), 32 },
                { "kvm_run.system_event.ndata", Off(&run, &run.system_event.ndata), 36 },
                { "kvm_run.fail_entry.hardware_entry_failure_reason", Off(&run, &run.fail_entry.hardware_entry_failure_reason), 32 },
                { "kvm_run.fail_entry.cpu", Off(&run, &run.fail_entry.cpu), 40 },
                { "kvm_run.kvm_valid_regs", Off(&run, &run.kvm_valid_regs), 288 },
                { "kvm_run.kvm_dirty_regs", Off(&run, &run.kvm_dirty_regs), 296 },
                { "kvm_run.s", Off(&run, &run.s), 304 },
                { "kvm_run.s.regs.rip", Off(&run, &run.s.regs.rip), 304 + 128 },
                { "kvm_run.s.sregs", Off(&run, &run.s.sregs), 304 + 144 },
                { "kvm_run.s.events", Off(&run, &run.s.events), 304 + 456 },
                { "kvm_regs.rbx", Off(&regs, &regs.rbx), 8 },
                { "kvm_regs.rdi", Off(&regs, &regs.rdi), 40 },
                { "kvm_regs.r8", Off(&regs, &regs.r8), 64 },
                { "kvm_regs.r15", Off(&regs, &regs.r15), 120 },
                { "kvm_regs.rip", Off(&regs, &regs.rip), 128 },
                { "kvm_regs.rflags", Off(&regs, &regs.rflags), 136 },
                { "kvm_segment.limit", Off(&seg, &seg.limit), 8 },
                { "kvm_segment.selector", Off(&seg, &seg.selector), 12 },
                { "kvm_segment.type", Off(&seg, &seg.type), 14 },
                { "kvm_segment.present", Off(&seg, &seg.present), 15 },
                { "kvm_segment.dpl", Off(&seg, &seg.dpl), 16 },
                { "kvm_segment.db", Off(&seg, &seg.db), 17 },
                { "kvm_segment.s", Off(&seg, &seg.s), 18 },
                { "kvm_segment.l", Off(&seg, &seg.l), 19 },
                { "kvm_segment.g", Off(&seg, &seg.g), 20 },
                { "kvm_segment.avl", Off(&seg, &seg.avl), 21 },
                { "kvm_segment.unusable", Off(&seg, &seg.unusable), 22 },
                { "kvm_dtable.limit", Off(&dt, &dt.limit), 8 },
                { "kvm_sregs.ds", Off(&sregs, &sregs.ds), 24 },
                { "kvm_sregs.ss", Off(&sregs, &sregs.ss), 120 },
                { "kvm_sregs.tr", Off(&sregs, &sregs.tr), 144 },
                { "kvm_sregs.ldt", Off(&sregs, &sregs.ldt), 168 },
                { "kvm_sregs.gdt", Off(&sregs, &sregs.gdt), 192 },
                { "kvm_sregs.idt", Off(&sregs, &sregs.idt), 208 },
                { "kvm_sregs.cr0", Off(&sregs, &sregs.cr0), 224 },
                { "kvm_sregs.cr3", Off(&sregs, &sregs.cr3), 240 },
                { "kvm_sregs.cr4", Off(&sregs, &sregs.cr4), 248 },
                { "kvm_sregs.cr8", Off(&sregs, &sregs.cr8), 256 },
                { "kvm_sregs.efer", Off(&sregs, &sregs.efer), 264 },
                { "kvm_sregs.apic_base", Off(&sregs, &sregs.apic_base), 272 },
                { "kvm_sregs.interrupt_bitmap", Off(&sregs, sregs.interrupt_bitmap), 280 },
                { "kvm_vcpu_events.exception.nr", Off(&ev, &ev.exception_nr), 1 },
                { "kvm_vcpu_events.exception.has_error_code", Off(&ev, &ev.exception_has_error_code), 2 },
                { "kvm_vcpu_events.exception.pending", Off(&ev, &ev.exception_pending), 3 },
                { "kvm_vcpu_events.exception.error_code", Off(&ev, &ev.exception_error_code), 4 },
                { "kvm_vcpu_events.interrupt", Off(&ev, &ev.interrupt_injected), 8 },
                { "kvm_vcpu_events.nmi", Off(&ev, &ev.nmi_injected), 12 },
                { "kvm_vcpu_events.sipi_vector", Off(&ev, &ev.sipi_vector), 16 },
                { "kvm_vcpu_events.flags", Off(&ev, &ev.flags), 20 },
                { "kvm_vcpu_events.smi", Off(&ev, &ev.smi_smm), 24 },
                { "kvm_vcpu_events.exception_has_payload", Off(&ev, &ev.exception_has_payload), 55 },
                { "kvm_vcpu_events.exception_payload", Off(&ev, &ev.exception_payload), 56 },
                { "kvm_cpuid_entry2.index", Off(&cpuid, &cpuid.index), 4 },
                { "kvm_cpuid_entry2.flags", Off(&cpuid, &cpuid.flags), 8 },
                { "kvm_cpuid_entry2.eax", Off(&cpuid, &cpuid.eax), 12 },
                { "kvm_cpuid_entry2.edx", Off(&cpuid, &cpuid.edx), 24 },
                { "kvm_cpuid_entry2.padding", Off(&cpuid, cpuid.padding), 28 },
                { "kvm_msr_entry.data", Off(&msr, &msr.data), 8 },
                { "kvm_userspace_memory_region.flags", Off(&mem, &mem.flags), 4 },
                { "kvm_userspace_memory_region.guest_phys_addr", Off(&mem, &mem.guest_phys_addr), 8 },
                { "kvm_userspace_memory_region.memory_size", Off(&mem, &mem.memory_size), 16 },
                { "kvm_userspace_memory_region.userspace_addr", Off(&mem, &mem.userspace_addr), 24 },
                { "kvm_enable_cap.flags", Off(&cap, &cap.flags), 4 },
                { "kvm_enable_cap.args", Off(&cap, cap.args), 8 },
                { "kvm_enable_cap.pad", Off(&cap, cap.pad), 40 },
                { "kvm_msr_filter_range.nmsrs", Off(&range, &range.nmsrs), 4 },
                { "kvm_msr_filter_range.base", Off(&range, &range.@base), 8 },
                { "kvm_msr_filter_range.bitmap", Off(&range, &range.bitmap), 16 },
                { "kvm_msr_filter.ranges", Off(&filter, &filter.ranges), 8 },
                { "kvm_msi.data", Off(&msi, &msi.data), 8 },
                { "kvm_msi.flags", Off(&msi, &msi.flags), 12 },
                { "kvm_msi.devid", Off(&msi, &msi.devid), 16 },
                { "kvm_fpu.fcw", Off(&fpu, &fpu.fcw), 128 },
                { "kvm_fpu.last_ip", Off(&fpu, &fpu.last_ip), 136 },
                { "kvm_fpu.last_dp", Off(&fpu, &fpu.last_dp), 144 },
                { "kvm_fpu.xmm", Off(&fpu, fpu.xmm), 152 },
                { "kvm_fpu.mxcsr", Off(&fpu, &fpu.mxcsr), 408 },
            };
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void StructSizeMatchesKernelHeader(string type, int actual, int expected) =>
        Assert.True(expected == actual, $"sizeof({type}) is {actual}, kernel header says {expected}");

    [Theory]
    [MemberData(nameof(Offsets))]
    public void FieldOffsetMatchesKernelHeader(string field, int actual, int expected) =>
        Assert.True(expected == actual, $"offsetof({field}) is {actual}, kernel header says {expected}");

    private static int Off<TStruct, TField>(TStruct* start, TField* field)
        where TStruct : unmanaged
        where TField : unmanaged => (int)((byte*)field - (byte*)start);
}

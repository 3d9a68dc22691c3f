/*
 * hvprobe: checks vmm's Hyper-V surface from inside the guest, on every vCPU, against the --hv profile
 * in the parameter page: the hypervisor CPUID leaves (expected values from tlfs.h, not from the VMM),
 * VP_INDEX, the hypercall page (fast and slow null calls, one call per error class with its exact
 * HV_STATUS), TIME_REF_COUNT against the reference TSC page, #GP for every MSR the profile does not
 * grant, #UD for a hypercall from compatibility mode and from CPL3. The first failed check ends the VM
 * with "hvprobe: vCPU N failed check K: NAME" (GUEST_ASSERT); vCPU 0 reports success once all passed.
 * The check names and their order are mirrored by HvProbeGuest.CheckNames (the test compares counts).
 */
#include "../lib/guest.h"
#include "../lib/tlfs.h"

/* The GUEST_OS_ID written: an open-source OS id (TLFS "Reporting the Guest OS Identity", bit 63 set). */
#define PROBE_GUEST_OS_ID 0x8100000000000001ull
/* vmm's identity in 0x40000000 and 0x40000002 (docs/hyperv.md#leaves: the smallest max leaf the TLFS
   allows, and the Windows Server 2016 build QEMU and KVM report). */
#define VMM_MAX_LEAF      HV_CPUID_MIN_MAX_LEAF
#define VMM_BUILD_NUMBER  14393u
#define VMM_VERSION       (10u << 16)
/* A fault in the first bytes of the hypercall page is its trapping instruction (KVM's stub starts with ENDBR64). */
#define STUB_WINDOW 16

static uint8_t hypercall_page[4096] __attribute__((aligned(4096)));
static struct hv_reference_tsc_page tsc_page __attribute__((aligned(4096)));
static uint64_t slow_input[MAX_VCPUS][8] __attribute__((aligned(64)));
static volatile uint32_t setup_done;
static volatile uint32_t gp_note[MAX_VCPUS];
static struct barrier done_barrier;
static uint32_t checks_run;

struct probe { int id; int count; const char *name; };
static struct probe current[MAX_VCPUS];

static void check(const char *name)
{
    struct probe *p = &current[cpu_id()];
    p->id = p->count++;   /* ids from 0, in HvProbeGuest.CheckNames order */
    p->name = name;
}

#define PROBE(cond, ...) \
    GUEST_ASSERT(cond, "hvprobe: vCPU %u failed check %d: %s", cpu_id(), current[cpu_id()].id, current[cpu_id()].name)
#define PROBE_EQ(a, b) \
    GUEST_ASSERT_EQ(a, b, "hvprobe: vCPU %u failed check %d: %s", cpu_id(), current[cpu_id()].id, current[cpu_id()].name)

/* The leaves vmm defines, in the order HvCpuidLeaves lists them, and what each must hold for this profile. */
static const uint32_t leaves[] = {
    0x40000000, 0x40000001, 0x40000002, 0x40000003, 0x40000004, 0x40000005,
    0x40000006, 0x40000007, 0x40000008, 0x40000009, 0x4000000A, 0x4000000C,
    0x40000081, 0x40000082, 0x40000100, 0x40000101,
};
static const char *const leaf_names[] = {
    "CPUID 0x40000000 is as profiled", "CPUID 0x40000001 is as profiled", "CPUID 0x40000002 is as profiled",
    "CPUID 0x40000003 is as profiled", "CPUID 0x40000004 is as profiled", "CPUID 0x40000005 is as profiled",
    "CPUID 0x40000006 is as profiled", "CPUID 0x40000007 is as profiled", "CPUID 0x40000008 is as profiled",
    "CPUID 0x40000009 is as profiled", "CPUID 0x4000000A is as profiled", "CPUID 0x4000000C is as profiled",
    "CPUID 0x40000081 is as profiled", "CPUID 0x40000082 is as profiled", "CPUID 0x40000100 is as profiled",
    "CPUID 0x40000101 is as profiled",
};

static struct cpuid_regs expected_leaf(uint32_t leaf)
{
    struct cpuid_regs r = { 0, 0, 0, 0 };
    if (!guest_params.hv_features) return r;   /* --hv none: every defined leaf reads zero */
    uint32_t f = guest_params.hv_features;
    switch (leaf) {
    case HV_CPUID_VENDOR_AND_MAX_FUNCTIONS:
        r = (struct cpuid_regs){ VMM_MAX_LEAF, HV_CPUID_VENDOR_EBX, HV_CPUID_VENDOR_ECX, HV_CPUID_VENDOR_EDX };
        break;
    case HV_CPUID_INTERFACE: r.eax = HV_CPUID_INTERFACE_HV1; break;
    case HV_CPUID_SYSTEM_IDENTITY: r.eax = VMM_BUILD_NUMBER; r.ebx = VMM_VERSION; break;
    case HV_CPUID_FEATURES:
        r.eax = ((f & VMM_HV_HYPERCALL) ? HV_ACCESS_HYPERCALL_MSRS : 0)
              | ((f & VMM_HV_VPINDEX) ? HV_ACCESS_VP_INDEX : 0)
              | ((f & VMM_HV_TIME) ? HV_ACCESS_PARTITION_REFERENCE_COUNTER | HV_ACCESS_PARTITION_REFERENCE_TSC : 0)
              | ((f & VMM_HV_FREQUENCIES) ? HV_ACCESS_FREQUENCY_REGS : 0)
              | ((f & VMM_HV_VPASSIST) ? HV_ACCESS_INTR_CTRL_REGS : 0)
              | ((f & VMM_HV_RESET) ? HV_ACCESS_RESET_REG : 0)
              | ((f & VMM_HV_IDLE) ? HV_ACCESS_GUEST_IDLE_REG : 0);
        r.edx = ((f & VMM_HV_FREQUENCIES) ? HV_FEATURE_FREQUENCY_REGS : 0)
              | ((f & VMM_HV_XMM) ? HV_FEATURE_XMM_FAST_HYPERCALL_INPUT : 0)
              | ((f & VMM_HV_EXT_RANGES) ? HV_FEATURE_EXTENDED_GVA_RANGES_FLUSH : 0);
        break;
    case HV_CPUID_ENLIGHTENMENT_INFO:
        r.eax = ((f & VMM_HV_TLBFLUSH) ? HV_REC_REMOTE_TLB_FLUSH_HYPERCALL : 0)
              | ((f & VMM_HV_TLBFLUSH_EX) ? HV_REC_EX_PROCESSOR_MASKS : 0)
              | ((f & VMM_HV_IPI) ? HV_REC_SYNTHETIC_CLUSTER_IPI : 0)
              | ((f & VMM_HV_RELAXED) ? HV_REC_RELAXED_TIMING : 0);
        r.ebx = (f & VMM_HV_SPINLOCKS) ? guest_params.spinlock_retries : 0;
        break;
    case HV_CPUID_IMPLEMENTATION_LIMITS: r.eax = guest_params.cpus; break;   /* maximum virtual processors */
    default: break;   /* hardware, nested, isolation and virtualization-stack leaves: not advertised */
    }
    return r;
}

static void cpuid_checks(void)
{
    /* No KVM signature at any base leaf 0x400xxx00: Linux would pick KVM over Hyper-V. */
    check("no KVM signature at any CPUID leaf 0x400xxx00");
    for (uint32_t base = 0x40000000; base < 0x40010000; base += 0x100) {
        struct cpuid_regs r = cpuid(base, 0);
        PROBE(!(r.ebx == 0x4B4D564B && r.ecx == 0x564B4D56));   /* "KVMK" "VMKV" */
    }
    for (unsigned i = 0; i < sizeof leaves / sizeof leaves[0]; i++) {
        check(leaf_names[i]);
        struct cpuid_regs want = expected_leaf(leaves[i]), got = cpuid(leaves[i], 0);
        PROBE_EQ(got.eax, want.eax);
        PROBE_EQ(got.ebx, want.ebx);
        PROBE_EQ(got.ecx, want.ecx);
        PROBE_EQ(got.edx, want.edx);
    }
    if (guest_params.hv_features) {
        check("CPUID.1:ECX[31] reports a hypervisor");
        PROBE(cpuid(1, 0).ecx & HV_CPUID_1_ECX_HYPERVISOR_PRESENT);
    }
}

static void vp_index_checks(void)
{
    if (!guest_hv(VMM_HV_VPINDEX)) return;
    check("HV_X64_MSR_VP_INDEX is this vCPU's VP index");
    PROBE_EQ(rdmsr(HV_X64_MSR_VP_INDEX), guest_params.vp_index[cpu_id()]);
    check("HV_X64_MSR_VP_INDEX is read-only (#GP on write)");
    PROBE_EQ(wrmsr_safe(HV_X64_MSR_VP_INDEX, 0), 13);
}

static void setup(void)
{
    if (cpu_id() != 0) {
        /* vCPU 0 sets the partition-wide MSRs; the names below are its checks. */
        if (guest_hv(VMM_HV_HYPERCALL)) { check("GUEST_OS_ID"); check("HYPERCALL"); }
        if (guest_hv(VMM_HV_TIME)) check("REFERENCE_TSC");
        while (!setup_done) cpu_relax();
        hv_hypercall_page = hypercall_page;
        return;
    }
    if (guest_hv(VMM_HV_HYPERCALL)) {
        check("HV_X64_MSR_GUEST_OS_ID reads back what was written");
        wrmsr(HV_X64_MSR_GUEST_OS_ID, PROBE_GUEST_OS_ID);
        PROBE_EQ(rdmsr(HV_X64_MSR_GUEST_OS_ID), PROBE_GUEST_OS_ID);
        check("HV_X64_MSR_HYPERCALL enables the hypercall page");
        hv_enable_hypercall_page(hypercall_page, PROBE_GUEST_OS_ID);
        PROBE_EQ(rdmsr(HV_X64_MSR_HYPERCALL), (uint64_t)hypercall_page | 1);
    }
    if (guest_hv(VMM_HV_TIME)) {
        check("HV_X64_MSR_REFERENCE_TSC enables the reference TSC page");
        wrmsr(HV_X64_MSR_REFERENCE_TSC, (uint64_t)&tsc_page | 1);
        PROBE_EQ(rdmsr(HV_X64_MSR_REFERENCE_TSC), (uint64_t)&tsc_page | 1);
    }
    setup_done = 1;
}

static void hypercall_checks(void)
{
    uint64_t *in = slow_input[cpu_id()];
    check("fast null hypercall (HvCallNotifyLongSpinWait) succeeds");
    PROBE_EQ(hv_hypercall(hv_control(HVCALL_NOTIFY_LONG_SPIN_WAIT, true, 0), 0, 0), 0);   /* status 0, no reps */

    check("slow null hypercall (input in memory) succeeds");
    in[0] = 0;
    PROBE_EQ(hv_hypercall(hv_control(HVCALL_NOTIFY_LONG_SPIN_WAIT, false, 0), (uint64_t)in, 0), 0);

    check("an unknown call code returns HV_STATUS_INVALID_HYPERCALL_CODE");
    PROBE_EQ(HV_HYPERCALL_STATUS(hv_hypercall(hv_control(0xBEEF, true, 0), 0, 0)), HV_STATUS_INVALID_HYPERCALL_CODE);

    check("reserved control-word bits return HV_STATUS_INVALID_HYPERCALL_INPUT");
    PROBE_EQ(HV_HYPERCALL_STATUS(hv_hypercall(hv_control(HVCALL_NOTIFY_LONG_SPIN_WAIT, true, 0) | HV_HYPERCALL_RESERVED_BIT27, 0, 0)),
             HV_STATUS_INVALID_HYPERCALL_INPUT);

    check("a rep count on a simple call returns HV_STATUS_INVALID_HYPERCALL_INPUT");
    PROBE_EQ(HV_HYPERCALL_STATUS(hv_hypercall(hv_control(HVCALL_NOTIFY_LONG_SPIN_WAIT, true, 1), 0, 0)), HV_STATUS_INVALID_HYPERCALL_INPUT);

    check("a misaligned input GPA returns HV_STATUS_INVALID_ALIGNMENT");   /* TLFS: input and output GPAs 8-byte aligned */
    PROBE_EQ(HV_HYPERCALL_STATUS(hv_hypercall(hv_control(HVCALL_NOTIFY_LONG_SPIN_WAIT, false, 0), (uint64_t)in + 4, 0)),
             HV_STATUS_INVALID_ALIGNMENT);

    check("an input GPA outside guest RAM returns HV_STATUS_INVALID_PARAMETER");
    PROBE_EQ(HV_HYPERCALL_STATUS(hv_hypercall(hv_control(HVCALL_NOTIFY_LONG_SPIN_WAIT, false, 0), 0x7FFFFFFFF000ull, 0)),
             HV_STATUS_INVALID_PARAMETER);
}

/* TLFS "Partition Reference TSC Mechanism": time = ((TSC * TscScale) >> 64) + TscOffset, in 100 ns units. */
static uint64_t page_time(void)
{
    return (uint64_t)(((unsigned __int128)rdtsc() * tsc_page.tsc_scale) >> 64) + (uint64_t)tsc_page.tsc_offset;
}

static void time_checks(void)
{
    check("HV_X64_MSR_TIME_REF_COUNT is monotonic");
    uint64_t first = rdmsr(HV_X64_MSR_TIME_REF_COUNT);
    uint64_t second = rdmsr(HV_X64_MSR_TIME_REF_COUNT);
    PROBE(second >= first);

    /* An MSR read between two page reads falls between them: both come from the same TSC and formula. */
    check("the reference TSC page is valid and agrees with TIME_REF_COUNT");
    uint32_t sequence = tsc_page.tsc_sequence;
    PROBE(sequence != 0);
    uint64_t before = page_time();
    uint64_t msr = rdmsr(HV_X64_MSR_TIME_REF_COUNT);
    uint64_t after = page_time();
    PROBE_EQ(tsc_page.tsc_sequence, sequence);
    PROBE(before <= msr && msr <= after, "page %lu, MSR %lu, page %lu", before, msr, after);
}

struct msr_case { uint32_t msr; uint32_t unless; const char *name; };
static const struct msr_case must_fault[] = {
    { 0x400000FF, 0, "an undefined synthetic MSR (0x400000FF) raises #GP" },
    { HV_X64_MSR_GUEST_OS_ID, VMM_HV_HYPERCALL, "HV_X64_MSR_GUEST_OS_ID without the hypercall privilege raises #GP" },
    { HV_X64_MSR_HYPERCALL, VMM_HV_HYPERCALL, "HV_X64_MSR_HYPERCALL without the hypercall privilege raises #GP" },
    { HV_X64_MSR_VP_INDEX, VMM_HV_VPINDEX, "HV_X64_MSR_VP_INDEX without its privilege raises #GP" },
    { HV_X64_MSR_TIME_REF_COUNT, VMM_HV_TIME, "HV_X64_MSR_TIME_REF_COUNT without its privilege raises #GP" },
    { HV_X64_MSR_REFERENCE_TSC, VMM_HV_TIME, "HV_X64_MSR_REFERENCE_TSC without its privilege raises #GP" },
    { HV_X64_MSR_TSC_FREQUENCY, VMM_HV_FREQUENCIES, "HV_X64_MSR_TSC_FREQUENCY without its privilege raises #GP" },
};

static void msr_fault_checks(void)
{
    for (unsigned i = 0; i < sizeof must_fault / sizeof must_fault[0]; i++) {
        if (must_fault[i].unless && guest_hv(must_fault[i].unless)) continue;
        check(must_fault[i].name);
        uint64_t ignored;
        PROBE_EQ(rdmsr_safe(must_fault[i].msr, &ignored), 13);
    }
    /* Linux writes VP_ASSIST_PAGE on every CPU whatever is advertised (docs/hyperv.md#linux-boot): the VMM
       accepts it with AccessIntrCtrlRegs or the hypercall MSRs and faults only with neither. */
    if (!guest_hv(VMM_HV_VPASSIST) && !guest_hv(VMM_HV_HYPERCALL)) {
        check("HV_X64_MSR_VP_ASSIST_PAGE without any Hyper-V privilege raises #GP");
        uint64_t ignored;
        PROBE_EQ(rdmsr_safe(HV_X64_MSR_VP_ASSIST_PAGE, &ignored), 13);
    }
}

extern char compat32_back[];
void hv_call_from_compat32(uint32_t page, uint32_t control);

static void compat_check(void)
{
    /* A CPL0 caller in 32-bit compatibility mode reaches the VMM and must get #UD: the x64 hypercall
       convention needs 64-bit mode (TLFS "Hypercall Interface"). */
    check("a hypercall from 32-bit compatibility mode raises #UD");
    struct percpu *p = this_cpu();
    p->fault_vector = 0xFF;
    p->fixup_cs = GDT_KERNEL_CODE64;
    p->fixup_rip = (uint64_t)compat32_back;
    hv_call_from_compat32((uint32_t)(uint64_t)hypercall_page,
                          (uint32_t)hv_control(HVCALL_NOTIFY_LONG_SPIN_WAIT, true, 0));
    PROBE_EQ(p->fault_vector, 6);
    PROBE(p->fault_rip - (uint64_t)hypercall_page < STUB_WINDOW, "fault at 0x%lx", p->fault_rip);
}

/* Runs at CPL3: calls the hypercall page with a fault fixup armed; R12 keeps RSP across the fault. */
static uint64_t user_hypercall(uint64_t unused)
{
    (void)unused;
    struct percpu *p = this_cpu();
    p->fault_vector = 0xFF;
    __asm__ volatile("lea 1f(%%rip), %%rax\n\t"
                     "mov %%rax, %[fix]\n\t"
                     "mov %%rsp, %%r12\n\t"
                     "xor %%edx, %%edx\n\t"
                     "xor %%r8d, %%r8d\n\t"
                     "call *%[page]\n"
                     "1:\n\t"
                     "mov %%r12, %%rsp\n\t"
                     "movq $0, %[fix]"
                     : [fix] "+m"(p->fixup_rip)
                     : "c"(hv_control(HVCALL_NOTIFY_LONG_SPIN_WAIT, true, 0)), [page] "m"(hv_hypercall_page)
                     : "rax", "rdx", "r8", "r9", "r10", "r11", "r12", "memory", "cc");
    return 0;
}

static void user_mode_check(void)
{
    /* TLFS: a hypercall from CPL > 0 raises #UD. On PVM hosts guest user mode is host user mode, so the
       stub's OUT faults with #GP before any exit (README, "The guest environment"); either answer means the
       call never ran, and the VMM's own #UD rule is proven from compatibility mode above. */
    check("a hypercall from CPL3 never runs (#UD from the VMM, or #GP where the platform refuses the trap)");
    struct percpu *p = this_cpu();
    user_call(user_hypercall, 0, false);
    PROBE(p->fault_vector == 6 || p->fault_vector == 13, "vector %lu", p->fault_vector);
    PROBE(p->fault_rip - (uint64_t)hypercall_page < STUB_WINDOW, "fault at 0x%lx", p->fault_rip);
    if (p->fault_vector == 13) gp_note[cpu_id()] = 1;
}

void guest_main(void)
{
    GUEST_ASSERT(guest_has_params(), "hvprobe needs the parameter page of `vmm run --guest hvprobe`");
    cpuid_checks();
    if (guest_params.hv_features) {
        vp_index_checks();
        setup();
        if (guest_hv(VMM_HV_HYPERCALL)) hypercall_checks();
        if (guest_hv(VMM_HV_TIME)) time_checks();
    }
    msr_fault_checks();
    if (guest_hv(VMM_HV_HYPERCALL)) {
        compat_check();
        user_mode_check();
    }
    if (cpu_id() == 0) checks_run = (uint32_t)current[0].count;
    barrier_wait(&done_barrier, cpu_count());
    if (cpu_id() != 0) return;
    guest_printf("hvprobe: all %u checks passed on %u vCPUs (--hv features 0x%x)\n", checks_run, cpu_count(), guest_params.hv_features);
    if (gp_note[0]) {
        guest_printf("hvprobe: note: this platform refused the CPL3 hypercall with #GP before the VMM saw it (guest user mode "
                     "cannot reach the trapping OUT); the VMM's #UD answer was checked from compatibility mode\n");
    }
    guest_exit(GUEST_EXIT_PASS);
}

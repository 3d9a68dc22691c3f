/*
 * The vmm C guest library: what a freestanding test kernel needs to run on vmm's long-mode environment
 * (docs/guests-in-c.md has the protocol). Every vCPU enters _start (start.S), which sets up this vCPU's
 * block and calls guest_main(). Compiled with -ffreestanding -nostdlib -mno-red-zone -mgeneral-regs-only:
 * no libc, and C code never touches SSE state that the exception path does not save.
 */
#ifndef VMM_GUEST_H
#define VMM_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the environment vmm builds (src/Vmm.Core/Boot/X86/LongModeEnvironment.cs, docs/guests-in-c.md) ---- */
#define COM1_PORT          0x3F8   /* 16550 UART, THR at +0, LSR at +5 */
#define GUEST_EXIT_PORT    0x500   /* a 4-byte OUT ends the VM with that status: 0 pass, else fail */
#define GUEST_EXIT_PASS    0
#define GUEST_EXIT_FAIL    1
#define GDT_KERNEL_CODE64  0x08
#define GDT_USER_DATA      0x1B
#define GDT_USER_CODE      0x23
#define GDT_KERNEL_CODE32  0x28
#define TSS_BASE           0x16000ull
#define TSS_STRIDE         0x80ull
#define STACK_BLOCK        0x8000ull   /* per vCPU: user stack (low half, its lowest 2 KiB the #DF stack), kernel stack (high half) */
#define MAX_VCPUS          256

/* ---- the parameter page a built-in C guest gets from `vmm run --guest NAME` (at 0x100000) ---- */
#define GUEST_PARAMS_MAGIC 0x47434D56u   /* "VMCG" */
/* vmm's --hv profile features (the names of `vmm run --hv`; not TLFS bits). */
#define VMM_HV_HYPERCALL   (1u << 0)
#define VMM_HV_VPINDEX     (1u << 1)
#define VMM_HV_TIME        (1u << 2)
#define VMM_HV_FREQUENCIES (1u << 3)
#define VMM_HV_TLBFLUSH    (1u << 4)
#define VMM_HV_TLBFLUSH_EX (1u << 5)
#define VMM_HV_IPI         (1u << 6)
#define VMM_HV_RELAXED     (1u << 7)
#define VMM_HV_SPINLOCKS   (1u << 8)
#define VMM_HV_VPASSIST    (1u << 9)
#define VMM_HV_RESET       (1u << 10)
#define VMM_HV_IDLE        (1u << 11)
#define VMM_HV_XMM         (1u << 12)
#define VMM_HV_EXT_RANGES  (1u << 13)

struct guest_params {
    uint32_t magic;              /* GUEST_PARAMS_MAGIC when vmm wrote the page */
    uint32_t version;            /* 1 */
    uint32_t cpus;
    uint32_t hv_features;        /* VMM_HV_* */
    uint32_t spinlock_retries;   /* 0x40000004.EBX expected with VMM_HV_SPINLOCKS */
    uint32_t reserved;
    uint64_t memory_size;
    uint32_t vp_index[MAX_VCPUS];  /* --vp-index: VP index of vCPU i */
    char args[2048];             /* --guest-arg key=value pairs, each NUL-terminated, an empty one ends */
};
extern struct guest_params guest_params;
bool guest_has_params(void);
/* The value of --guest-arg NAME=VALUE as an integer, or def when absent. */
int64_t guest_arg_int(const char *name, int64_t def);
bool guest_hv(uint32_t feature);

/* ---- per-vCPU state: a block at the top of each kernel stack, found from RSP on either stack ---- */
struct percpu {
    uint32_t cpu, cpus;
    uint64_t user_stack_top;
    uint64_t kernel_stack_top;
    volatile uint64_t fixup_rip;     /* armed: a fault resumes here instead of ending the VM */
    volatile uint64_t fixup_cs;      /* and with this CS when nonzero (out of compatibility mode) */
    volatile uint64_t fault_vector;  /* the vector caught through the fixup (0xFF: none) */
    volatile uint64_t fault_rip;
    uint64_t user_return_rsp;        /* kernel RSP saved by user_call */
    uint64_t scratch[8];             /* for the guest, per vCPU */
};
#define PERCPU_SIZE 512
static inline struct percpu *this_cpu(void)
{
    uint64_t rsp;
    __asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
    return (struct percpu *)(((rsp + STACK_BLOCK - 1) & ~(STACK_BLOCK - 1)) - PERCPU_SIZE);
}
static inline uint32_t cpu_id(void) { return this_cpu()->cpu; }
static inline uint32_t cpu_count(void) { return this_cpu()->cpus; }

/* What each guest defines: runs on every vCPU at CPL0; returning parks the vCPU. */
void guest_main(void);

/* ---- port I/O, MSRs, CPUID (SDM Vol. 2) ---- */
static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return lo | ((uint64_t)hi << 32);
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}
/* RDMSR/WRMSR that catch a fault: return the vector (13 for #GP) or 0xFF when none was raised. */
unsigned rdmsr_safe(uint32_t msr, uint64_t *value);
unsigned wrmsr_safe(uint32_t msr, uint64_t value);
struct cpuid_regs { uint32_t eax, ebx, ecx, edx; };
static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
    struct cpuid_regs r;
    __asm__ volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
    return r;
}
static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return lo | ((uint64_t)hi << 32);
}
static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
static inline void invlpg(const volatile void *va) { __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory"); }

/* ---- output and the end of the VM ---- */
void guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void guest_vprintf(const char *fmt, va_list ap);
_Noreturn void guest_exit(uint32_t status);
_Noreturn void guest_park(void);

/*
 * GUEST_ASSERT(cond, fmt, ...): when cond is false, prints "FILE:LINE: vCPU N: assertion failed: COND: message"
 * on COM1 and ends the VM with GUEST_EXIT_FAIL. GUEST_ASSERT_EQ prints both values too.
 */
_Noreturn void guest_assert_fail(const char *file, int line, const char *cond, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define GUEST_ASSERT(cond, ...) \
    do { if (!(cond)) guest_assert_fail(__FILE__, __LINE__, #cond, "" __VA_ARGS__); } while (0)
#define GUEST_ASSERT_EQ(a, b, fmt, ...) \
    do { uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b); \
         if (a_ != b_) guest_assert_fail(__FILE__, __LINE__, #a " == " #b, fmt " (0x%lx != 0x%lx)", ##__VA_ARGS__, a_, b_); \
    } while (0)

/* ---- exceptions and interrupts ---- */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;   /* the CPU's interrupt frame (SDM Vol. 3 §6.14.2) */
};
/* A handler for an interrupt vector >= 32 (e.g. an IPI); it must send its own EOI. */
typedef void (*irq_handler_t)(struct trap_frame *frame);
void guest_set_irq_handler(uint8_t vector, irq_handler_t handler);

/* ---- CPL3 ---- */
/*
 * Runs fn(arg) at CPL3 on this vCPU's user stack (IOPL 3; IF as asked) and returns its result at CPL0.
 * fn ends by returning: the trampoline then executes UD2 at a known address, and the #UD handler resumes
 * the kernel (the "#UD escape": on PVM hosts INT n from CPL3 also arrives as #UD, docs/kvm-host.md).
 */
uint64_t user_call(uint64_t (*fn)(uint64_t), uint64_t arg, bool interrupts);
/* From CPL3: runs fn(arg) at CPL0 (through a UD2 at a known address) and returns its result at CPL3. */
uint64_t user_kcall(uint64_t (*fn)(uint64_t), uint64_t arg);

/*
 * From CPL3: a hypercall through the page (RCX = control, RDX = input, R8 = output; returns RAX). The UD2 it
 * executes is recognised first by the #UD entry, which calls the page and returns: a few CPL0 instructions
 * instead of user_kcall's general path, for hypercalls made in a loop (docs/guests-in-c.md).
 */
uint64_t user_hv_hypercall(uint64_t control, uint64_t input, uint64_t output);
/* The same for an XMM fast call: input[0..1] in RDX:R8, input[2..13] in XMM0-XMM5 (112 bytes read). */
uint64_t user_hv_hypercall_xmm(uint64_t control, const uint64_t *input);

/* ---- memory after the image: from guest_image_end (page-aligned, link.ld) up to the stacks, zero at start ---- */
extern char guest_image_end[];
static inline uint64_t guest_stacks_bottom(void) { return guest_params.memory_size - (uint64_t)cpu_count() * STACK_BLOCK; }

/* ---- synchronisation ---- */
struct spinlock { volatile uint32_t locked; };
void spin_lock(struct spinlock *l);
void spin_unlock(struct spinlock *l);
/* A sense-reversing barrier for `count` vCPUs; reusable. */
struct barrier { volatile uint32_t arrived; volatile uint32_t generation; };
void barrier_wait(struct barrier *b, uint32_t count);

/* ---- the Hyper-V hypercall page (TLFS "Hypercall Interface") ---- */
/* Sets GUEST_OS_ID (needed before the page may be enabled) and enables the hypercall page at `page`. */
void hv_enable_hypercall_page(void *page, uint64_t guest_os_id);
extern void *volatile hv_hypercall_page;
/* Calls the hypercall page: RCX = control, RDX = input (GPA or fast value), R8 = output; returns RAX. */
static inline uint64_t hv_hypercall(uint64_t control, uint64_t input, uint64_t output)
{
    uint64_t status;
    register uint64_t r8 __asm__("r8") = output;
    __asm__ volatile("call *%[page]"
                     : "=a"(status), "+c"(control), "+d"(input), "+r"(r8)
                     : [page] "m"(hv_hypercall_page)
                     : "memory", "cc", "r9", "r10", "r11");
    return status;
}
/* An XMM fast hypercall: input[0..1] in RDX:R8, input[2..13] in XMM0-XMM5 (112 bytes read). */
uint64_t hv_hypercall_xmm(uint64_t control, const uint64_t *input);
static inline uint64_t hv_control(uint16_t code, bool fast, unsigned reps)
{
    return code | (fast ? (1ull << 16) : 0) | ((uint64_t)reps << 32);
}

/* ---- x2APIC (SDM Vol. 3 §11.12) ---- */
#define MSR_IA32_APIC_BASE 0x1B
#define X2APIC_MSR_EOI     0x80B
#define X2APIC_MSR_SVR     0x80F
#define X2APIC_MSR_ICR     0x830
void x2apic_enable(void);
static inline void x2apic_eoi(void) { wrmsr(X2APIC_MSR_EOI, 0); }
/* A fixed-delivery IPI with `vector` to the vCPU whose x2APIC ID is `apic_id`. */
static inline void x2apic_send_ipi(uint32_t apic_id, uint8_t vector) { wrmsr(X2APIC_MSR_ICR, ((uint64_t)apic_id << 32) | vector); }

/* ---- small string helpers ---- */
size_t guest_strlen(const char *s);
int guest_strcmp(const char *a, const char *b);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

#endif

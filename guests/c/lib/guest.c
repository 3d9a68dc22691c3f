/* The vmm C guest library: start-up, output, asserts, exceptions, CPL3, locks (docs/guests-in-c.md). */
#include "guest.h"

__attribute__((section(".params"), aligned(4096))) struct guest_params guest_params;
void *volatile hv_hypercall_page;

extern char exception_stubs[];
extern char user_return_ud2[], user_kcall_ud2[];
uint64_t user_call_asm(uint64_t (*fn)(uint64_t), uint64_t arg, uint64_t rflags, uint64_t user_rsp);
_Noreturn void user_resume(uint64_t rsp, uint64_t result);

static irq_handler_t irq_handlers[256];
static struct spinlock print_lock;

_Static_assert(offsetof(struct percpu, fixup_rip) == 24, "start.S relies on this layout");
_Static_assert(offsetof(struct percpu, user_return_rsp) == 56, "start.S relies on this layout");
_Static_assert(sizeof(struct percpu) <= PERCPU_SIZE, "per-vCPU block too large");
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "start.S pushes 15 registers, vector, error code");
_Static_assert(sizeof(struct guest_params) <= 4096, "parameter page");
_Static_assert(offsetof(struct guest_params, vp_index) == 32 && offsetof(struct guest_params, args) == 32 + 4 * MAX_VCPUS, "CGuestImage writes this layout");

/*
 * Points IDT gate `vector` at its stub: a 64-bit interrupt gate (SDM Vol. 3 §6.14.1), DPL 0, IST 0, except #DF,
 * which runs on IST1, the double-fault stack vmm's environment puts in every TSS (as vmm's own gates do).
 */
static void set_gate(uint8_t vector, uint64_t handler)
{
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr;
    __asm__ volatile("sidt %0" : "=m"(idtr));
    volatile uint64_t *gate = (volatile uint64_t *)(idtr.base + vector * 16ull);
    uint64_t ist = vector == 8 ? 1 : 0;
    gate[0] = (handler & 0xFFFF) | ((uint64_t)GDT_KERNEL_CODE64 << 16) | (ist << 32) | (0x8Eull << 40) | (((handler >> 16) & 0xFFFF) << 48);
    gate[1] = handler >> 32;
}

static uint64_t gate_handler(uint8_t vector)
{
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr;
    __asm__ volatile("sidt %0" : "=m"(idtr));
    volatile uint64_t *gate = (volatile uint64_t *)(idtr.base + vector * 16ull);
    return (gate[0] & 0xFFFF) | ((gate[0] >> 48) << 16) | (gate[1] << 32);
}

void guest_start(void);
void guest_start(void)
{
    /* A built-in guest's IDT already points at the stubs (CGuestImage: no emulated CPL0 loop on PVM hosts);
       under --kernel every vCPU writes the same 256 gates. */
    if (gate_handler(255) != (uint64_t)exception_stubs + 255 * 16ull) {
        for (int v = 0; v < 256; v++) {
            set_gate((uint8_t)v, (uint64_t)exception_stubs + v * 16ull);
        }
    }
    guest_main();
    guest_park();
}

bool guest_has_params(void) { return guest_params.magic == GUEST_PARAMS_MAGIC; }
bool guest_hv(uint32_t feature) { return (guest_params.hv_features & feature) == feature; }

int64_t guest_arg_int(const char *name, int64_t def)
{
    const char *p = guest_params.args;
    size_t n = guest_strlen(name);
    while (*p && p < guest_params.args + sizeof guest_params.args) {
        const char *q = name;
        const char *s = p;
        while (*q && *s == *q) { s++; q++; }
        if (!*q && *s == '=' && (size_t)(s - p) == n) {
            s++;
            bool neg = *s == '-';
            if (neg) s++;
            int64_t v = 0;
            while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0');
            return neg ? -v : v;
        }
        p += guest_strlen(p) + 1;
    }
    return def;
}

/* ---- serial output: polled 16550 (THR empty = LSR bit 5) ---- */
static void serial_putc(char c)
{
    while (!(inb(COM1_PORT + 5) & 0x20)) {
    }
    outb(COM1_PORT, (uint8_t)c);
}

static void put_unsigned(uint64_t v, unsigned base, int width, char pad)
{
    char buf[24];
    int i = 0;
    do { buf[i++] = "0123456789abcdef"[v % base]; v /= base; } while (v);
    while (i < width) serial_putc(pad), width--;
    while (i) serial_putc(buf[--i]);
}

static bool at_cpl3(void)
{
    uint16_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    return (cs & 3) == 3;
}

struct print_request { const char *fmt; va_list *ap; };
static void vprintf_cpl0(const char *fmt, va_list ap);
static uint64_t vprintf_thunk(uint64_t arg)
{
    struct print_request *r = (struct print_request *)arg;
    vprintf_cpl0(r->fmt, *r->ap);
    return 0;
}

/* Port I/O faults at CPL3 on PVM hosts even with IOPL 3 (README, "The guest environment"): from CPL3 the
   output goes through the #UD escape to CPL0. */
void guest_vprintf(const char *fmt, va_list ap)
{
    if (at_cpl3()) {
        va_list copy;
        va_copy(copy, ap);
        struct print_request r = { fmt, &copy };
        user_kcall(vprintf_thunk, (uint64_t)&r);
        va_end(copy);
        return;
    }
    vprintf_cpl0(fmt, ap);
}

static void vprintf_cpl0(const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') { serial_putc(*fmt); continue; }
        fmt++;
        char pad = ' ';
        int width = 0;
        if (*fmt == '0') { pad = '0'; fmt++; }
        while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
        bool wide = false;
        while (*fmt == 'l') { wide = true; fmt++; }
        switch (*fmt) {
        case 'd': {
            int64_t v = wide ? va_arg(ap, int64_t) : va_arg(ap, int);
            if (v < 0) { serial_putc('-'); v = -v; }
            put_unsigned((uint64_t)v, 10, width, pad);
            break;
        }
        case 'u': put_unsigned(wide ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, width, pad); break;
        case 'x': put_unsigned(wide ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, width, pad); break;
        case 'p': serial_putc('0'); serial_putc('x'); put_unsigned((uint64_t)va_arg(ap, void *), 16, width, pad); break;
        case 'c': serial_putc((char)va_arg(ap, int)); break;
        case 's': { const char *s = va_arg(ap, const char *); while (*s) serial_putc(*s++); break; }
        case '%': serial_putc('%'); break;
        default: serial_putc('?'); break;
        }
    }
}

void guest_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    spin_lock(&print_lock);
    guest_vprintf(fmt, ap);
    spin_unlock(&print_lock);
    va_end(ap);
}

static uint64_t exit_thunk(uint64_t status)
{
    for (;;) outl(GUEST_EXIT_PORT, (uint32_t)status);
    __builtin_unreachable();
}

_Noreturn void guest_exit(uint32_t status)
{
    if (at_cpl3()) user_kcall(exit_thunk, status);
    for (;;) outl(GUEST_EXIT_PORT, status);
}

_Noreturn void guest_park(void)
{
    for (;;) __asm__ volatile("cli; hlt");
}

static void printf_unlocked(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    guest_vprintf(fmt, ap);
    va_end(ap);
}

_Noreturn void guest_assert_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    spin_lock(&print_lock);      /* held to the end: the VM stops with this line complete */
    printf_unlocked("%s:%d: vCPU %u: assertion failed: %s: ", file, line, cpu_id(), cond);
    guest_vprintf(fmt, ap);
    printf_unlocked("\n");
    va_end(ap);
    guest_exit(GUEST_EXIT_FAIL);
}

/* ---- exceptions ---- */
static const char *vector_name(uint64_t v)
{
    static const char *const names[] = { "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "?", "#TS",
                                         "#NP", "#SS", "#GP", "#PF", "?", "#MF", "#AC", "#MC", "#XM" };
    return v < sizeof names / sizeof names[0] ? names[v] : "interrupt";
}

void guest_exception(struct trap_frame *f);
void guest_exception(struct trap_frame *f)
{
    struct percpu *p = this_cpu();
    if (f->vector >= 32 && irq_handlers[f->vector]) {
        irq_handlers[f->vector](f);
        return;
    }
    if (p->fixup_rip) {   /* an armed *_safe operation: note the fault and resume at its fixup */
        p->fault_vector = f->vector;
        p->fault_rip = f->rip;
        f->rip = p->fixup_rip;
        if (p->fixup_cs) f->cs = p->fixup_cs;
        p->fixup_rip = 0;
        p->fixup_cs = 0;
        return;
    }
    if (f->vector == 6 && f->rip == (uint64_t)user_kcall_ud2) {   /* CPL3 asks for fn(arg) at CPL0 */
        uint64_t (*fn)(uint64_t) = (uint64_t (*)(uint64_t))f->rdi;
        f->rax = fn(f->rsi);
        f->rip += 2;
        return;
    }
    if (f->vector == 6 && f->rip == (uint64_t)user_return_ud2) {  /* the CPL3 function returned */
        user_resume(p->user_return_rsp, f->rax);
    }
    /* RSP and CR2 say most about a double fault (vmm runs #DF on a stack of its own, so it gets here): a fault
       while pushing onto a bad stack, or a page fault that could not be delivered. */
    uint64_t cr2;
    __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
    spin_lock(&print_lock);
    printf_unlocked("vmm-guest: vCPU %u: unexpected %s (vector %lu) at rip 0x%lx, cs 0x%lx, error code 0x%lx, rsp 0x%lx, cr2 0x%lx\n",
                 p->cpu, vector_name(f->vector), f->vector, f->rip, f->cs, f->error_code, f->rsp, cr2);
    guest_exit(GUEST_EXIT_FAIL);
}

void guest_set_irq_handler(uint8_t vector, irq_handler_t handler) { irq_handlers[vector] = handler; }

unsigned rdmsr_safe(uint32_t msr, uint64_t *value)
{
    struct percpu *p = this_cpu();
    uint32_t lo, hi = 0;
    p->fault_vector = 0xFF;
    __asm__ volatile("lea 1f(%%rip), %%rax\n\t"
                     "mov %%rax, %[fix]\n\t"
                     "xor %%eax, %%eax\n\t"
                     "rdmsr\n"
                     "1:\n\t"
                     "movq $0, %[fix]"
                     : "=&a"(lo), "+d"(hi), [fix] "+m"(p->fixup_rip)
                     : "c"(msr)
                     : "memory");
    *value = lo | ((uint64_t)hi << 32);
    return (unsigned)p->fault_vector;
}

unsigned wrmsr_safe(uint32_t msr, uint64_t value)
{
    struct percpu *p = this_cpu();
    uint64_t scratch;
    p->fault_vector = 0xFF;
    __asm__ volatile("lea 1f(%%rip), %[t]\n\t"
                     "mov %[t], %[fix]\n\t"
                     "wrmsr\n"
                     "1:\n\t"
                     "movq $0, %[fix]"
                     : [t] "=&r"(scratch), [fix] "+m"(p->fixup_rip)
                     : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
                     : "memory");
    return (unsigned)p->fault_vector;
}

/* ---- CPL3 ---- */
uint64_t user_call(uint64_t (*fn)(uint64_t), uint64_t arg, bool interrupts)
{
    /* RFLAGS: IOPL 3 (bits 13:12), reserved bit 1, IF (bit 9) when asked (SDM Vol. 1 §3.4.3). */
    uint64_t rflags = 0x3002 | (interrupts ? 0x200 : 0);
    return user_call_asm(fn, arg, rflags, this_cpu()->user_stack_top);
}

/* ---- synchronisation ---- */
void spin_lock(struct spinlock *l)
{
    while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
        while (l->locked) cpu_relax();
    }
}

void spin_unlock(struct spinlock *l) { __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE); }

void barrier_wait(struct barrier *b, uint32_t count)
{
    uint32_t generation = __atomic_load_n(&b->generation, __ATOMIC_ACQUIRE);
    if (__atomic_add_fetch(&b->arrived, 1, __ATOMIC_ACQ_REL) == count) {
        __atomic_store_n(&b->arrived, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&b->generation, generation + 1, __ATOMIC_RELEASE);
        return;
    }
    while (__atomic_load_n(&b->generation, __ATOMIC_ACQUIRE) == generation) cpu_relax();
}

/* ---- Hyper-V: TLFS "Hypercall Page": GUEST_OS_ID must be nonzero before HV_X64_MSR_HYPERCALL is enabled ---- */
void hv_enable_hypercall_page(void *page, uint64_t guest_os_id)
{
    wrmsr(0x40000000u, guest_os_id);                 /* HV_X64_MSR_GUEST_OS_ID */
    wrmsr(0x40000001u, (uint64_t)page | 1);          /* HV_X64_MSR_HYPERCALL: GPA | enable */
    hv_hypercall_page = page;
}

/* ---- x2APIC: IA32_APIC_BASE bits 11 (enable) and 10 (x2APIC mode), then the software-enable bit of SVR ---- */
void x2apic_enable(void)
{
    wrmsr(MSR_IA32_APIC_BASE, rdmsr(MSR_IA32_APIC_BASE) | (1u << 11) | (1u << 10));
    wrmsr(X2APIC_MSR_SVR, 0x1FF);
}

/* ---- strings ---- */
size_t guest_strlen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
int guest_strcmp(const char *a, const char *b) { while (*a && *a == *b) a++, b++; return (unsigned char)*a - (unsigned char)*b; }
void *memset(void *d, int c, size_t n) { unsigned char *p = d; while (n--) *p++ = (unsigned char)c; return d; }
void *memcpy(void *d, const void *s, size_t n) { unsigned char *p = d; const unsigned char *q = s; while (n--) *p++ = *q++; return d; }

/* exitref: raw-C reference for the cost of one KVM_RUN -> KVM_EXIT_IO (OUT) -> KVM_RUN
 * round trip, to be compared side by side with `vmm bench exits`.  See README.md. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MEM_SIZE   (16u << 20)
#define GDT_GPA    0x1000
#define PML4_GPA   0x2000
#define PDPT_GPA   0x3000
#define PD_GPA     0x4000
#define CODE_GPA   0x100000
#define BENCH_PORT 0x504
#define EXIT_PORT  0x500
#define MAX_ITERATIONS 100000000L
#define MAX_ROUNDS 1000L

struct vm {
    int kvm, vm, vcpu;
    uint8_t *mem;
    struct kvm_run *run;
    size_t run_size;
};

static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("exitref: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* The guest program, byte for byte the workload `vmm bench exits` runs. */
static size_t encode_guest(uint8_t *p, uint32_t n)
{
    const uint8_t code[] = {
        0xba, 0x04, 0x05, 0x00, 0x00, /* 00: mov edx, 0x504   ; bench port        */
        0xb9, 0, 0, 0, 0,             /* 05: mov ecx, N       ; patched below     */
        0xee,                         /* 0a: loop: out dx, al ; KVM_EXIT_IO, size 1 */
        0xff, 0xc9,                   /* 0b: dec ecx                              */
        0x75, 0xfb,                   /* 0d: jnz loop         ; rel8 = 0x0a - 0x0f */
        0xba, 0x00, 0x05, 0x00, 0x00, /* 0f: mov edx, 0x500   ; exit port         */
        0x31, 0xc0,                   /* 14: xor eax, eax     ; status 0          */
        0xef,                         /* 16: out dx, eax      ; size 4: stop      */
        0xf4,                         /* 17: hlt              ; never reached: the host stops at 0x500 */
    };
    memcpy(p, code, sizeof code);
    memcpy(p + 6, &n, 4);
    return sizeof code;
}

/* Long mode needs paging; identity-map the 16 MiB with 2 MiB pages (P|RW|PS). */
static void build_tables(uint8_t *mem)
{
    uint64_t *pml4 = (uint64_t *)(mem + PML4_GPA), *pdpt = (uint64_t *)(mem + PDPT_GPA);
    uint64_t *pd = (uint64_t *)(mem + PD_GPA), *gdt = (uint64_t *)(mem + GDT_GPA);
    pml4[0] = PDPT_GPA | 0x3;
    pdpt[0] = PD_GPA | 0x3;
    for (uint64_t i = 0; i < MEM_SIZE >> 21; i++)
        pd[i] = (i << 21) | 0x83;
    /* Nothing loads a selector, but keep the GDT consistent with the hidden state we set. */
    gdt[1] = 0x00af9b000000ffffull; /* 0x08: code, 64-bit, DPL0 */
    gdt[2] = 0x00cf93000000ffffull; /* 0x10: data, DPL0 */
}

static int set_long_mode(struct vm *v)
{
    struct kvm_sregs s;
    if (ioctl(v->vcpu, KVM_GET_SREGS, &s) < 0)
        return fail("KVM_GET_SREGS: %s", strerror(errno)), -1;
    struct kvm_segment cs = { .limit = 0xffffffff, .selector = 0x08, .type = 11, .present = 1,
                              .s = 1, .l = 1, .g = 1 };
    struct kvm_segment ds = { .limit = 0xffffffff, .selector = 0x10, .type = 3, .present = 1,
                              .s = 1, .db = 1, .g = 1 };
    /* Entry checks want a present busy 64-bit TSS in TR even though it is never used. */
    struct kvm_segment tr = { .limit = 0x67, .type = 11, .present = 1 };
    s.cs = cs;
    s.ds = s.es = s.fs = s.gs = s.ss = ds;
    s.tr = tr;
    s.gdt.base = GDT_GPA;
    s.gdt.limit = 3 * 8 - 1;
    s.cr3 = PML4_GPA;
    s.cr4 = 0x20;         /* PAE */
    s.cr0 = 0x80050033;   /* PG AM WP NE ET MP PE */
    s.efer = 0x500;       /* LMA LME */
    if (ioctl(v->vcpu, KVM_SET_SREGS, &s) < 0)
        return fail("KVM_SET_SREGS: %s", strerror(errno)), -1;
    return 0;
}

/* KVM refuses EFER.LME unless the vCPU's CPUID advertises long mode, so hand it the host's set. */
static int set_cpuid(struct vm *v)
{
    for (int nent = 64; nent <= 4096; nent *= 2) {
        struct kvm_cpuid2 *c = calloc(1, sizeof *c + nent * sizeof c->entries[0]);
        if (!c)
            return fail("out of memory"), -1;
        c->nent = nent;
        int r = ioctl(v->kvm, KVM_GET_SUPPORTED_CPUID, c);
        if (r < 0 && errno == E2BIG) {
            free(c);
            continue;
        }
        if (r == 0 && ioctl(v->vcpu, KVM_SET_CPUID2, c) < 0)
            r = -1;
        int err = errno;
        free(c);
        if (r < 0)
            return fail("KVM_SET_CPUID2: %s", strerror(err)), -1;
        return 0;
    }
    return fail("KVM_GET_SUPPORTED_CPUID: too many entries"), -1;
}

/* Returns 0, or the process exit code on failure (2: no /dev/kvm). */
static int vm_open(struct vm *v, uint32_t iterations)
{
    v->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (v->kvm < 0) {
        int err = errno;
        fail("cannot open /dev/kvm: %s", strerror(err));
        return err == ENOENT || err == ENODEV || err == ENXIO ? 2 : 1;
    }
    if (ioctl(v->kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
        return fail("unexpected KVM API version"), 1;
    if ((v->vm = ioctl(v->kvm, KVM_CREATE_VM, 0)) < 0)
        return fail("KVM_CREATE_VM: %s", strerror(errno)), 1;
    v->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (v->mem == MAP_FAILED) {
        v->mem = NULL;
        return fail("mmap guest memory: %s", strerror(errno)), 1;
    }
    struct kvm_userspace_memory_region slot = { .slot = 0, .guest_phys_addr = 0, .memory_size = MEM_SIZE,
                                                .userspace_addr = (uintptr_t)v->mem };
    if (ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
        return fail("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno)), 1;
    /* The VMM always creates the in-kernel PIC/IOAPIC/LAPIC, so the VM here must have them too. */
    if (ioctl(v->vm, KVM_CREATE_IRQCHIP, 0) < 0)
        return fail("KVM_CREATE_IRQCHIP: %s", strerror(errno)), 1;
    if ((v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0)) < 0)
        return fail("KVM_CREATE_VCPU: %s", strerror(errno)), 1;
    int size = ioctl(v->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (size < (int)sizeof *v->run)
        return fail("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno)), 1;
    v->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu, 0);
    if (v->run == MAP_FAILED) {
        v->run = NULL;
        return fail("mmap kvm_run: %s", strerror(errno)), 1;
    }
    v->run_size = size;
    build_tables(v->mem);
    encode_guest(v->mem + CODE_GPA, iterations);
    if (set_cpuid(v) < 0 || set_long_mode(v) < 0)
        return 1;
    return 0;
}

static void vm_close(struct vm *v)
{
    if (v->run)
        munmap(v->run, v->run_size);
    if (v->vcpu >= 0)
        close(v->vcpu);
    if (v->vm >= 0)
        close(v->vm);
    if (v->mem)
        munmap(v->mem, MEM_SIZE);
    if (v->kvm >= 0)
        close(v->kvm);
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* One round: run the guest from the top; µs/exit = (t_last - t_first) / (count - 1) over the
 * timestamps taken right after KVM_RUN returns with a bench exit.  Only the host's re-entry
 * decision sits between exits: no register access, like the VMM's port-I/O path. */
static int run_round(struct vm *v, uint32_t iterations, int round, double *us_per_exit)
{
    struct kvm_regs regs = { .rip = CODE_GPA, .rflags = 0x2 };
    if (ioctl(v->vcpu, KVM_SET_REGS, &regs) < 0)
        return fail("KVM_SET_REGS: %s", strerror(errno)), -1;
    struct kvm_run *run = v->run;
    uint32_t count = 0;
    double first = 0, last = 0;
    for (;;) {
        int r = ioctl(v->vcpu, KVM_RUN, 0);
        double t = now_us();
        if (r < 0 && errno == EINTR)
            continue; /* a stop/continue signal; the guest resumes where it was */
        if (r < 0)
            return fail("KVM_RUN: %s", strerror(errno)), -1;
        if (run->exit_reason != KVM_EXIT_IO) {
            fail("round %d: unexpected exit reason %u after %u bench exits", round, run->exit_reason, count);
            return -1;
        }
        if (run->io.port == BENCH_PORT && run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1) {
            if (count++ == 0)
                first = t;
            last = t;
            continue;
        }
        if (run->io.port == EXIT_PORT && run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 4) {
            uint32_t status;
            memcpy(&status, (uint8_t *)run + run->io.data_offset, 4);
            if (status != 0 || count != iterations) {
                fail("round %d: guest stopped with status %u after %u of %u bench exits", round, status, count,
                     iterations);
                return -1;
            }
            *us_per_exit = (last - first) / (count - 1);
            return 0;
        }
        fail("round %d: unexpected %s of size %u on port 0x%x", round,
             run->io.direction == KVM_EXIT_IO_OUT ? "OUT" : "IN", run->io.size, run->io.port);
        return -1;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int parse_count(const char *opt, const char *arg, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long n = arg ? strtol(arg, &end, 10) : 0;
    if (!arg || errno || *end || n < min || n > max)
        return fail("%s needs an integer in %ld..%ld", opt, min, max), -1;
    *out = n;
    return 0;
}

int main(int argc, char **argv)
{
    long iterations = 20000, rounds = 5;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--iterations")) {
            if (parse_count("--iterations", i + 1 < argc ? argv[++i] : NULL, 2, MAX_ITERATIONS, &iterations) < 0)
                return 1;
        } else if (!strcmp(argv[i], "--rounds")) {
            if (parse_count("--rounds", i + 1 < argc ? argv[++i] : NULL, 1, MAX_ROUNDS, &rounds) < 0)
                return 1;
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else {
            fprintf(stderr, "usage: exitref [--iterations N] [--rounds R] [--json]\n");
            return 1;
        }
    }

    struct vm v = { .kvm = -1, .vm = -1, .vcpu = -1 };
    double us[MAX_ROUNDS], sorted[MAX_ROUNDS];
    int rc = vm_open(&v, (uint32_t)iterations);
    for (int r = 0; rc == 0 && r < rounds; r++)
        if (run_round(&v, (uint32_t)iterations, r + 1, &us[r]) < 0)
            rc = 1;
    vm_close(&v);
    if (rc)
        return rc;

    memcpy(sorted, us, rounds * sizeof us[0]);
    qsort(sorted, rounds, sizeof sorted[0], cmp_double);
    double median = rounds % 2 ? sorted[rounds / 2] : (sorted[rounds / 2 - 1] + sorted[rounds / 2]) / 2;
    if (json) {
        printf("{\"tool\":\"exitref\",\"iterations\":%ld,\"rounds\":%ld,\"usPerExit\":%.2f,\"rounds_us\":[",
               iterations, rounds, median);
        for (long r = 0; r < rounds; r++)
            printf("%s%.2f", r ? "," : "", us[r]);
        printf("]}\n");
    } else {
        printf("exitref: %ld exits x %ld rounds, median %.2f us/exit (min %.2f, max %.2f)\n", iterations, rounds,
               median, sorted[0], sorted[rounds - 1]);
    }
    return 0;
}

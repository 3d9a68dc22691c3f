/*
 * hvipi: proves HvCallSendSyntheticClusterIpi (0x000B) and HvCallSendSyntheticClusterIpiEx (0x0015) deliver
 * exactly one interrupt to exactly the VPs they name. Every vCPU enables its x2APIC; vCPUs 1..N-1 spin at
 * CPL3 with IF = 1 and count the interrupts of IPI_VECTOR in their own cache line. vCPU 0 first makes
 * invalid calls (vector 0x0F, TargetVtl 1) that must answer HV_STATUS_INVALID_PARAMETER and interrupt
 * nobody, then runs `rounds` rounds: a pseudo-random non-empty subset of the targets (xorshift64), one call
 * naming it by VP index in the round's form (cycling through those the profile offers), status 0, a wait
 * until every named vCPU's count rose, and a check that every vCPU's count equals the number of calls that
 * named it (so a lost, a doubled and a misdirected interrupt all fail). All of the sender's work but the
 * call itself runs at CPL3 (PVM hosts emulate CPL0 code instruction by instruction, docs/kvm-host.md).
 * Arguments: rounds, skipvp (negative control: a vCPU left out of every set but still expected), wait.
 */
#include "../lib/guest.h"
#include "../lib/tlfs.h"

#define IPI_VECTOR 0xE0               /* a fixed interrupt; TLFS allows vectors 0x10-0xFF */
#define MAX_CPUS 64
#define SEED 0x9E3779B97F4A7C15ull
#define GUEST_OS_ID 0x8100000000000001ull   /* an open-source OS id (TLFS "Reporting the Guest OS Identity") */

struct counter { volatile uint64_t count; volatile uint64_t ready; uint64_t pad[6]; };
static struct counter counters[MAX_CPUS] __attribute__((aligned(64)));
static uint64_t expected[MAX_CPUS];
static uint8_t hypercall_page[4096] __attribute__((aligned(4096)));
static uint64_t input[64] __attribute__((aligned(4096)));   /* one call's input block (at most 24 + 64 * 8 bytes) */

struct variant { const char *name; bool ex, all, fast; };
static struct variant variants[6];
static unsigned variant_count;
static uint32_t n;
static uint64_t rounds, wait_cycles, named_mask, round;
static unsigned current;

static void ipi_handler(struct trap_frame *f)
{
    (void)f;
    counters[cpu_id()].count++;
    x2apic_eoi();
}

/* The forms the profile offers, in HvIpiGuest.VariantNames order (the C# side checks the names). */
static void pick_variants(void)
{
    bool below64 = true;
    uint64_t banks = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (guest_params.vp_index[i] >= 64) below64 = false;
        banks |= 1ull << (guest_params.vp_index[i] / 64);
    }
    if (below64) {
        variants[variant_count++] = (struct variant){ "ipi", false, false, false };
        variants[variant_count++] = (struct variant){ "ipi-fast", false, false, true };
    }
    if (guest_hv(VMM_HV_TLBFLUSH_EX)) {
        variants[variant_count++] = (struct variant){ "ipi-ex", true, false, false };
        variants[variant_count++] = (struct variant){ "ipi-ex-all", true, true, false };
        if (guest_hv(VMM_HV_XMM)) {
            /* The fast Ex form carries 24 + 8 * banks bytes in RDX, R8 and XMM0-XMM5 (112 bytes). */
            unsigned used = 0;
            for (uint64_t b = banks; b; b &= b - 1) used++;   /* no libgcc: count the banks by hand */
            if (24 + 8 * used <= 112) {
                variants[variant_count++] = (struct variant){ "ipi-ex-xmm", true, false, true };
            }
            variants[variant_count++] = (struct variant){ "ipi-ex-all-xmm", true, true, true };
        }
    }
}

_Noreturn static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    guest_vprintf(fmt, ap);
    va_end(ap);
    guest_printf("\nhvipi: FAILED\n");
    guest_exit(GUEST_EXIT_FAIL);
}

struct call { uint64_t control; bool fast, xmm; };
static uint64_t call_cpl0(uint64_t arg)
{
    struct call *c = (struct call *)arg;
    if (c->xmm) return hv_hypercall_xmm(c->control, input);
    if (c->fast) return hv_hypercall(c->control, input[0], input[1]);
    return hv_hypercall(c->control, (uint64_t)input, 0);
}

/*
 * Builds the input of variant v for the vCPUs in `set` (those left out by skipvp excepted) with the
 * Vector/TargetVtl qword `head`, and makes the call at CPL0. Layouts: TLFS hvcallsendsyntheticclusteripi.md
 * (Vector u32, TargetVtl u8, 3 reserved bytes; ProcessorMask u64) and hvcallsendsyntheticclusteripiex.md
 * (the same head, then an HV_VP_SET whose bank QWORDs are the variable header, datatypes/hv_vp_set.md).
 */
static uint64_t build_and_call(const struct variant *v, uint64_t set, uint64_t head)
{
    set &= named_mask;
    memset(input, 0, sizeof input);
    input[0] = head;
    struct call c = { 0, v->fast, v->fast && v->ex };
    if (!v->ex) {
        for (uint32_t i = 0; i < n; i++) {
            if (set & (1ull << i)) input[1] |= 1ull << guest_params.vp_index[i];
        }
        c.control = hv_control(HVCALL_SEND_SYNTHETIC_CLUSTER_IPI, v->fast, 0);
    } else {
        unsigned banks = 0;
        if (v->all) {
            input[1] = HV_GENERIC_SET_ALL;
        } else {
            input[1] = HV_GENERIC_SET_SPARSE_4K;
            uint64_t words[64] = { 0 };
            for (uint32_t i = 0; i < n; i++) {
                if (set & (1ull << i)) {
                    uint32_t vp = guest_params.vp_index[i];
                    input[2] |= 1ull << (vp / 64);
                    words[vp / 64] |= 1ull << (vp % 64);
                }
            }
            for (unsigned b = 0; b < 64; b++) {
                if (input[2] & (1ull << b)) input[3 + banks++] = words[b];
            }
        }
        c.control = hv_control(HVCALL_SEND_SYNTHETIC_CLUSTER_IPI_EX, v->fast, 0) | ((uint64_t)banks << HV_HYPERCALL_VARHEAD_SHIFT);
    }
    return user_kcall(call_cpl0, (uint64_t)&c);
}

static void check_all(void)
{
    for (uint32_t v = 0; v < n; v++) {
        uint64_t got = counters[v].count, want = expected[v];
        if (got == want) continue;
        if (got < want) {
            fail("hvipi: round %lu (%s): vCPU %u has taken %lu interrupts, expected %lu (missing after %lu TSC cycles)",
                 round, variants[current].name, v, got, want, wait_cycles);
        }
        fail("hvipi: round %lu (%s): vCPU %u has taken %lu interrupts, expected %lu (extra)", round, variants[current].name, v, got, want);
    }
}

static uint64_t sender(uint64_t unused)
{
    (void)unused;
    uint64_t all = n == 64 ? ~0ull : (1ull << n) - 1;
    for (uint32_t v = 1; v < n; v++) {
        while (!counters[v].ready) cpu_relax();
    }

    /* Round 0: each slow form without SET_ALL once per invalid (vector, TargetVtl), to every target: the
       status must be HV_STATUS_INVALID_PARAMETER and nobody may be interrupted. */
    static const uint64_t bad[2][2] = { { 0x0F, 0 }, { IPI_VECTOR, 1 } };
    unsigned rejected = 0;
    for (current = 0; current < variant_count; current++) {
        const struct variant *v = &variants[current];
        if (v->all || v->fast) continue;
        for (int r = 0; r < 2; r++) {
            uint64_t rax = build_and_call(v, all & ~1ull, bad[r][0] | (bad[r][1] << 32));
            if (rax != HV_STATUS_INVALID_PARAMETER) {
                fail("hvipi: invalid call (%s, vector %lu, target VTL %lu): RAX = %lu, expected %d (HV_STATUS_INVALID_PARAMETER)",
                     v->name, bad[r][0], bad[r][1], rax, HV_STATUS_INVALID_PARAMETER);
            }
            rejected++;
        }
    }
    current = 0;
    check_all();

    uint64_t state = SEED;
    for (round = 1; round <= rounds; round++) {
        const struct variant *v = &variants[current];
        uint64_t set = all;
        if (!v->all) {
            do {   /* xorshift64 (Marsaglia 2003: 13, 7, 17), masked to the targets */
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                set = state & all & ~1ull;
            } while (!set);
        }
        uint64_t want = set | (~named_mask & all);   /* the skipped vCPU is expected although never named */
        for (uint32_t t = 0; t < n; t++) {
            if (want & (1ull << t)) expected[t]++;
        }
        uint64_t start = rdtsc();
        uint64_t rax = build_and_call(v, set, IPI_VECTOR);
        if (rax != 0) {
            fail("hvipi: round %lu (%s): the call returned RAX = %lu, expected 0 (HV_STATUS_SUCCESS)", round, v->name, rax);
        }
        for (uint32_t t = 0; t < n; t++) {
            if (!(want & (1ull << t))) continue;
            while (counters[t].count < expected[t]) {
                cpu_relax();
                if (rdtsc() - start >= wait_cycles) check_all();   /* reports the missing interrupt */
            }
        }
        check_all();
        current = (current + 1) % variant_count;
    }

    /* A late (extra) interrupt of the last round would arrive after its check: wait 2^26 cycles, check again. */
    round = rounds;
    current = (unsigned)((rounds - 1) % variant_count);
    uint64_t settle = rdtsc();
    while (rdtsc() - settle < (1ull << 26)) cpu_relax();
    check_all();
    uint64_t delivered = 0;
    for (uint32_t t = 0; t < n; t++) delivered += counters[t].count;
    guest_printf("hvipi: %lu rounds on %u vCPUs (variants: ", rounds, n);
    for (unsigned i = 0; i < variant_count; i++) guest_printf("%s%s", i ? ", " : "", variants[i].name);
    guest_printf("), %lu interrupts delivered, 0 missing, 0 extra; %u invalid calls rejected with HV_STATUS_INVALID_PARAMETER, no interrupt\n",
                 delivered, rejected);
    guest_exit(GUEST_EXIT_PASS);
}

static uint64_t worker(uint64_t unused)
{
    (void)unused;
    counters[cpu_id()].ready = 1;   /* APIC on, IF = 1 */
    for (;;) cpu_relax();
    __builtin_unreachable();
}

void guest_main(void)
{
    GUEST_ASSERT(guest_has_params(), "hvipi needs the parameter page of `vmm run --guest hvipi`");
    n = cpu_count();
    GUEST_ASSERT(cpuid(1, 0).ecx & (1u << 21), "hvipi: needs an x2APIC (CPUID.01H:ECX[21] is clear)");
    x2apic_enable();
    guest_set_irq_handler(IPI_VECTOR, ipi_handler);
    if (cpu_id() != 0) {
        user_call(worker, 0, true);
        return;
    }
    rounds = (uint64_t)guest_arg_int("rounds", 2000);
    wait_cycles = (uint64_t)guest_arg_int("wait", 1ll << 32);
    int64_t skip = guest_arg_int("skipvp", 0);
    named_mask = skip ? ~(1ull << skip) : ~0ull;
    pick_variants();
    GUEST_ASSERT(variant_count > 0, "no cluster-IPI form for this profile");
    hv_enable_hypercall_page(hypercall_page, GUEST_OS_ID);
    user_call(sender, 0, true);
}

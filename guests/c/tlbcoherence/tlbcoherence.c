/*
 * tlbcoherence: proves that when a flush hypercall returns, no target vCPU can still use a flushed
 * translation. vCPU 0 is the sender, vCPUs 1..N-1 are workers. Each worker builds its own page-table chain
 * for the test address X = 512 GiB and three marker pages (flush.h), loads its own CR3 and reads X at CPL3
 * in a tight loop. Each round the sender remaps X for a set of workers with native CPL3 stores to their PTs
 * (no INVLPG, no CR3 reload: on shadow-paging hosts only a native store leaves a stale translation behind;
 * docs/kvm-host.md#stale-translations), makes one flush hypercall (the forms cycle, flush.h), checks its
 * status, then publishes each target's epoch. A worker read made entirely within one epoch must return the
 * page of that epoch or of the next one; the page of the previous epoch is a stale read. The sender waits
 * (bounded) until each target has sampled its new epoch before the next round.
 * Targets by mode, changing after each full cycle of forms: every worker; one random worker, named by its
 * CR3 as the address space (without ALL_VIRTUAL_ADDRESS_SPACES); a random non-empty subset.
 * Arguments (TlbCoherenceGuest checks them and fills in defaults): rounds, seed, omit (negative control: a
 * worker left out of every processor mask and VP set while its page is still remapped).
 */
#include "../lib/flush.h"

#define MAX_CPUS 64
#define GUEST_OS_ID 0x8100000000000001ull   /* an open-source OS id (TLFS "Reporting the Guest OS Identity") */
#define SEEN_TIMEOUT_CYCLES (1ull << 30)

/* Line 0 is written by the sender, line 1 by the worker as it samples, the rest by the worker. */
struct worker {
    volatile uint64_t epoch, last_round;
    uint64_t pad0[6];
    volatile uint64_t seen;
    uint64_t pad1[7];
    volatile uint64_t stale, garbage, samples, done;
    uint64_t have_first, first_round, first_value, first_expected;
} __attribute__((aligned(64)));

static struct worker workers[MAX_CPUS];
static struct { volatile uint64_t ready; uint64_t pad[7]; volatile uint64_t stop; } control __attribute__((aligned(64)));
static uint64_t input[512] __attribute__((aligned(4096)));
static uint8_t hypercall_page[4096] __attribute__((aligned(4096)));
static struct flush_variant variants[FLUSH_MAX_VARIANTS];
static unsigned variant_count;
static uint32_t n;
static uint64_t rounds, seed, named;
#define chains ((struct chain *)guest_image_end)   /* one per vCPU; TlbCoherenceGuest.MemoryNeeded counts them */

static uint64_t worker(uint64_t unused)
{
    (void)unused;
    uint32_t t = cpu_id();
    struct worker *w = &workers[t];
    struct chain *c = &chains[t];
    uint64_t base = (uint64_t)t << 8;   /* marker of page k: (t << 8) | k */
    chain_build(c);
    for (int k = 0; k < 3; k++) c->marker[k][0] = base + k;
    c->pt[0] = (uint64_t)c->marker[0] | CHAIN_LEAF;
    chain_activate(c);
    __atomic_add_fetch(&control.ready, 1, __ATOMIC_SEQ_CST);

    /* e1 = epoch; round; v = [X]; e2 = epoch. x86 does not reorder loads with other loads (SDM Vol. 3A
       §9.2.2), so with e1 == e2 the read happened within that epoch. */
    volatile uint64_t *x = (volatile uint64_t *)FLUSH_TEST_ADDRESS;
    uint64_t samples = 0, cached = ~0ull, m[3] = { 0 };
    while (!control.stop) {
        uint64_t e1 = w->epoch, round = w->last_round, v = *x, e2 = w->epoch;
        if (e1 != e2) continue;
        samples++;
        if (e1 != cached) {
            cached = e1;
            epoch_markers(base, e1, m);
        }
        if (v != m[0] && v != m[1]) {
            if (v == m[2]) w->stale++;
            else w->garbage++;
            if (!w->have_first) {
                w->first_round = round;
                w->first_value = v;
                w->first_expected = m[0];
                w->have_first = 1;
            }
        }
        if (w->seen != e1) w->seen = e1;
    }
    w->samples = samples;
    __atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
    return 0;
}

static uint64_t sender(uint64_t unused)
{
    (void)unused;
    static uint64_t epoch_of[MAX_CPUS];   /* rounds that flushed each worker */
    struct flush_failure failure = { 0 };
    uint64_t all = (n == 64 ? ~0ull : (1ull << n) - 1) & ~1ull, rng = seed, unobserved = 0, round;
    unsigned variant = 0, mode = 0;
    while (control.ready < n - 1) cpu_relax();

    for (round = 0; round < rounds; round++) {
        uint64_t targets = all, address_space = 0, flags = HV_FLUSH_ALL_VIRTUAL_ADDRESS_SPACES;
        if (mode == 1) {
            uint32_t t = (uint32_t)(xorshift64(&rng) % (n - 1)) + 1;
            targets = 1ull << t;
            address_space = (uint64_t)chains[t].pml4;   /* its CR3 */
            flags = 0;
        } else if (mode == 2) {
            uint64_t subset = xorshift64(&rng) & all;
            if (subset) targets = subset;
        }

        /* PT_t[X] = the marker page of epoch + 1: native CPL3 stores, no INVLPG, no CR3 reload. */
        for (uint64_t s = targets; s; s &= s - 1) {
            uint32_t t = __builtin_ctzll(s);
            chains[t].pt[0] = (uint64_t)chains[t].marker[(epoch_of[t] + 1) % 3] | CHAIN_LEAF;
        }

        const struct flush_variant *v = &variants[variant];
        struct flush_call call = flush_build(v, input, address_space, flags, targets & named, FLUSH_TEST_ADDRESS);
        uint64_t rax = flush_call(v, call, input);
        if (rax != call.expected) {
            FLUSH_FAILED(&failure, variant, round, rax, call.expected);
            break;
        }

        /* Publish only now that the call has returned: the round, then the new epoch. */
        for (uint64_t s = targets; s; s &= s - 1) {
            uint32_t t = __builtin_ctzll(s);
            workers[t].last_round = round;
            workers[t].epoch = ++epoch_of[t];
        }

        /* Wait (bounded by the TSC) until each target has sampled its new epoch, so its first read after the
           flush is checked. A target not seen in time (descheduled) is counted, not waited for forever. */
        uint64_t start = rdtsc();
        for (uint64_t s = targets; s; s &= s - 1) {
            struct worker *w = &workers[__builtin_ctzll(s)];
            while (w->seen != w->epoch) {
                cpu_relax();
                if (rdtsc() - start >= SEEN_TIMEOUT_CYCLES) {
                    unobserved++;
                    start = rdtsc();
                    break;
                }
            }
        }

        if (++variant == variant_count) {
            variant = 0;
            mode = (mode + 1) % 3;
        }
    }

    control.stop = 1;
    for (uint32_t t = 1; t < n; t++) {
        while (!__atomic_load_n(&workers[t].done, __ATOMIC_ACQUIRE)) cpu_relax();
    }

    uint64_t samples = 0, stale = 0, garbage = 0;
    for (uint32_t t = 1; t < n; t++) {
        struct worker *w = &workers[t];
        samples += w->samples;
        stale += w->stale;
        garbage += w->garbage;
        if (w->stale) {
            guest_printf("tlbcoherence: vCPU %u: %lu stale reads (first bad read in round %lu: read marker %lu, expected %lu)\n",
                         t, w->stale, w->first_round, w->first_value, w->first_expected);
        }
        if (w->garbage) {
            guest_printf("tlbcoherence: vCPU %u: %lu reads of no marker (first bad read in round %lu: read marker %lu, expected %lu)\n",
                         t, w->garbage, w->first_round, w->first_value, w->first_expected);
        }
    }
    if (failure.failed) flush_print_failure(&failure, 0, "tlbcoherence: ", variants);

    char names[256];
    flush_variant_names(variants, variant_count, names, sizeof names);
    guest_printf("tlbcoherence: %lu rounds on %u vCPUs (variants: %s), %lu stale reads in %lu samples", round, n, names, stale, samples);
    if (unobserved) guest_printf(", %lu target waits timed out (target not seen sampling its new epoch)", unobserved);
    guest_printf("\n");
    if (stale || garbage || failure.failed) {
        guest_printf("tlbcoherence: FAILED\n");
        guest_exit(GUEST_EXIT_FAIL);
    }
    guest_exit(GUEST_EXIT_PASS);
}

void guest_main(void)
{
    GUEST_ASSERT(guest_has_params(), "tlbcoherence needs the parameter page of `vmm run --guest tlbcoherence`");
    if (cpu_id() != 0) {
        user_call(worker, 0, false);
        return;
    }
    n = cpu_count();
    GUEST_ASSERT(n >= 2 && n <= MAX_CPUS, "tlbcoherence: needs 2 to %d vCPUs (vCPU 0 sends, the others are flushed), not %u", MAX_CPUS, n);
    GUEST_ASSERT((uint64_t)&chains[n] <= guest_stacks_bottom(), "tlbcoherence: the page tables of %u vCPUs overlap the stacks", n);
    rounds = (uint64_t)guest_arg_int("rounds", 10000);
    seed = (uint64_t)guest_arg_int("seed", 1);
    if (seed == 0) seed = 0x9E3779B97F4A7C15ull;   /* xorshift64 must not start at 0 */
    int64_t omit = guest_arg_int("omit", 0);
    named = omit ? ~(1ull << omit) : ~0ull;
    variant_count = flush_variants(variants);
    GUEST_ASSERT(variant_count > 0, "tlbcoherence: no flush hypercall form for this profile");
    hv_enable_hypercall_page(hypercall_page, GUEST_OS_ID);
    user_call(sender, 0, false);
}

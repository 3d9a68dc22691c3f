/*
 * tlbstorm: every vCPU flushes all the others at once, `rounds` times each, and no vCPU ever uses a
 * translation a completed flush removed. It is tlbcoherence with every vCPU both sender and target: vCPU j
 * owns the test address X_j = FLUSH_TEST_ADDRESS + j * 4 KiB and three marker pages; every vCPU has its own
 * page-table chain mapping all the X_k (flush.h). At CPL3 each vCPU alternates `passes` read passes with one
 * send round. A read pass checks X_k for every other k against sender k's published epoch: a read bracketed
 * by two equal epoch reads e must return k's page e mod 3 or (e + 1) mod 3 (the sender may have stored the
 * next PTE already); page (e + 2) mod 3 is the page from before the last completed flush, a stale read. A
 * send round remaps X_j in every other vCPU's chain to page (e + 1) mod 3 with native CPL3 PTE stores (no
 * INVLPG, no CR3 reload: only such stores leave stale translations on shadow-paging hosts), makes ONE flush
 * hypercall naming every other vCPU (the forms cycle as in tlbcoherence, starting at a different one on each
 * vCPU), checks the status and then publishes epoch e + 1. No vCPU waits for another to sample or
 * acknowledge anything; a vCPU more than `window` rounds ahead of the slowest other sender reads another
 * batch instead of sending, so that all of them keep flushing through the whole run. A vCPU that has sent
 * all its rounds keeps reading until every vCPU has, then one more batch. vCPU 0 then reports per-vCPU
 * totals, including the fewest epoch changes a vCPU saw of one sender: a storm whose targets never saw the
 * epochs move would prove nothing, so fewer than `min-observed` fails the run, as do stale reads, unknown
 * values and failed hypercalls (a flush the VMM could not complete in time returns
 * HV_STATUS_INVALID_VP_STATE). Arguments (TlbStormGuest checks them and fills in defaults): rounds, passes,
 * window, min-observed.
 */
#include "../lib/flush.h"

#define MAX_CPUS 64
#define GUEST_OS_ID 0x8100000000000001ull   /* an open-source OS id (TLFS "Reporting the Guest OS Identity") */
#define STOPPED (~0ull >> 2)                 /* the progress of a vCPU that stopped sending: it paces nobody */

/* Sender k's epoch (= rounds it has completed) and its progress for pacing, on a cache line of their own. */
struct sender { volatile uint64_t epoch, progress; uint64_t pad[6]; };

/* What vCPU j expects of X_k: the epoch its markers are for, how often that epoch changed, the markers. */
struct expectation { uint64_t last, observed, m[3], pad[3]; };

/* One per vCPU, written by it alone: its counts, its expectations of each sender, its hypercall input. */
struct block {
    uint64_t rounds_sent, samples, stale, garbage, have_first, first_round, first_sender, first_value, first_epoch;
    struct flush_failure failure;
    volatile uint64_t done;
    uint8_t pad[4096 - 10 * 8 - sizeof(struct flush_failure)];
    struct expectation expect[MAX_CPUS];
    uint64_t input[512];
};
_Static_assert(sizeof(struct block) == 3 * 4096, "TlbStormGuest.BlockBytes mirrors this");

static struct sender senders[MAX_CPUS] __attribute__((aligned(64)));
static struct { volatile uint64_t ready; uint64_t pad[7]; volatile uint64_t finished; } control __attribute__((aligned(64)));
static uint8_t hypercall_page[4096] __attribute__((aligned(4096)));
static struct flush_variant variants[FLUSH_MAX_VARIANTS];
static unsigned variant_count;
static uint32_t n;
static uint64_t rounds, passes, window, min_observed;
/* After the image: one chain per vCPU, then one block per vCPU (TlbStormGuest.MemoryNeeded counts them). */
#define chains ((struct chain *)guest_image_end)
#define blocks ((struct block *)&chains[n])

static void expect_epoch(struct expectation *x, uint32_t k, uint64_t e)
{
    x->last = e;
    epoch_markers((uint64_t)(k + 1) << 8, e, x->m);   /* marker of sender k's page p: (k + 1) << 8 | p, never 0 */
}

/* Remaps X_j in every other vCPU's chain to our page (sent + 1) mod 3 and flushes them all with one call. */
static bool send_round(uint32_t j, struct block *b, unsigned variant)
{
    uint64_t pte = (uint64_t)chains[j].marker[(b->rounds_sent + 1) % 3] | CHAIN_LEAF;
    for (uint32_t t = 0; t < n; t++) {
        if (t != j) chains[t].pt[j] = pte;
    }
    uint64_t all = n == 64 ? ~0ull : (1ull << n) - 1;
    const struct flush_variant *v = &variants[variant];
    struct flush_call call = flush_build(v, b->input, 0, HV_FLUSH_ALL_VIRTUAL_ADDRESS_SPACES, all & ~(1ull << j),
                                         FLUSH_TEST_ADDRESS + j * 4096ull);
    uint64_t rax = flush_call(v, call, b->input);
    if (rax != call.expected) {
        FLUSH_FAILED(&b->failure, variant, b->rounds_sent, rax, call.expected);
        senders[j].progress = STOPPED;
        return false;
    }
    /* Publish epoch e + 1 only now that the call has returned: a target that reads it must not see page e - 1. */
    b->rounds_sent++;
    senders[j].epoch = b->rounds_sent;
    senders[j].progress = b->rounds_sent;
    return true;
}

/* `passes` read passes over the other vCPUs' test addresses; returns the samples taken. */
static uint64_t read_passes(uint32_t j, struct block *b)
{
    uint64_t samples = 0;
    for (uint64_t p = passes; p; p--) {
        for (uint32_t k = 0; k < n; k++) {
            if (k == j) continue;
            /* e1 = epoch_k; v = [X_k]; e2 = epoch_k: with e1 == e2 the read happened within epoch e1 (x86 does
               not reorder loads with other loads, SDM Vol. 3A §9.2.2). */
            uint64_t e1 = senders[k].epoch;
            uint64_t v = *(volatile uint64_t *)(FLUSH_TEST_ADDRESS + k * 4096ull);
            uint64_t e2 = senders[k].epoch;
            if (e1 != e2) continue;
            samples++;
            struct expectation *x = &b->expect[k];
            if (e1 != x->last) {
                x->observed++;
                expect_epoch(x, k, e1);
            }
            if (v == x->m[0] || v == x->m[1]) continue;
            if (v == x->m[2]) b->stale++;
            else b->garbage++;
            if (!b->have_first) {
                b->have_first = 1;
                b->first_round = b->rounds_sent;
                b->first_sender = k;
                b->first_value = v;
                b->first_epoch = x->last;
            }
        }
    }
    return samples;
}

static void report(void)
{
    uint64_t samples = 0, stale = 0, bad = 0, fewest = ~0ull;
    for (uint32_t t = 0; t < n; t++) {
        struct block *b = &blocks[t];
        while (!__atomic_load_n(&b->done, __ATOMIC_ACQUIRE)) cpu_relax();
        samples += b->samples;
        stale += b->stale;
        bad += b->garbage + b->failure.failed;
        uint64_t least = ~0ull;
        uint32_t least_of = 0;
        for (uint32_t k = 0; k < n; k++) {
            if (k != t && b->expect[k].observed < least) {
                least = b->expect[k].observed;
                least_of = k;
            }
        }
        if (least < fewest) fewest = least;
        guest_printf("tlbstorm: vCPU %u: %lu rounds sent, %lu samples, %lu stale reads, %lu reads of no marker; fewest epoch changes seen of one sender: %lu (vCPU %u)\n",
                     t, b->rounds_sent, b->samples, b->stale, b->garbage, least, least_of);
        if (b->have_first) {
            guest_printf("tlbstorm: vCPU %u: first bad read in its round %lu: address of sender %lu in its epoch %lu read marker %lu (markers are (sender + 1) * 256 + page; valid pages: epoch mod 3 and the next)\n",
                         t, b->first_round, b->first_sender, b->first_epoch, b->first_value);
        }
        if (b->failure.failed) flush_print_failure(&b->failure, t, "tlbstorm: ", variants);
    }

    char names[256];
    flush_variant_names(variants, variant_count, names, sizeof names);
    guest_printf("tlbstorm: %u vCPUs x %lu rounds (variants: %s), %lu stale reads in %lu samples, fewest epoch changes one vCPU saw of one sender: %lu (at least %lu needed)\n",
                 n, rounds, names, stale, samples, fewest, min_observed);
    if (stale || bad || fewest < min_observed) {
        guest_printf("tlbstorm: FAILED\n");
        guest_exit(GUEST_EXIT_FAIL);
    }
    guest_printf("tlbstorm: PASSED\n");
    guest_exit(GUEST_EXIT_PASS);
}

static uint64_t storm(uint64_t unused)
{
    (void)unused;
    uint32_t j = cpu_id();
    struct block *b = &blocks[j];
    struct chain *c = &chains[j];
    memset(b, 0, sizeof *b);
    chain_build(c);
    for (uint32_t k = 0; k < n; k++) c->pt[k] = (uint64_t)chains[k].marker[0] | CHAIN_LEAF;   /* every sender starts at page 0 */
    for (int p = 0; p < 3; p++) c->marker[p][0] = ((uint64_t)(j + 1) << 8) | p;
    chain_activate(c);
    for (uint32_t k = 0; k < n; k++) expect_epoch(&b->expect[k], k, 0);
    __atomic_add_fetch(&control.ready, 1, __ATOMIC_SEQ_CST);
    while (control.ready < n) cpu_relax();

    /* Read passes, then a send round unless done, failed, or more than `window` rounds ahead of the slowest
       other sender: then another batch of reads instead. This keeps every vCPU flushing through the whole run
       (on 2 host CPUs some vCPUs otherwise finish long before others and only read), with no handshake. */
    unsigned variant = j % variant_count, phase = 0;   /* phase 1: done sending; 2: everyone is */
    uint64_t samples = 0;
    for (;;) {
        samples += read_passes(j, b);
        if (!b->failure.failed && b->rounds_sent < rounds) {
            uint64_t slowest = ~0ull;
            for (uint32_t k = 0; k < n; k++) {
                if (k != j && senders[k].progress < slowest) slowest = senders[k].progress;
            }
            if (b->rounds_sent < slowest + window && send_round(j, b, variant)) variant = (variant + 1) % variant_count;
            if (!b->failure.failed) continue;
        }
        if (phase == 0) {
            phase = 1;
            __atomic_add_fetch(&control.finished, 1, __ATOMIC_SEQ_CST);
        } else if (control.finished == n) {
            if (phase == 2) break;
            phase = 2;
        }
    }
    b->samples = samples;
    __atomic_store_n(&b->done, 1, __ATOMIC_RELEASE);
    if (j == 0) report();
    return 0;
}

void guest_main(void)
{
    GUEST_ASSERT(guest_has_params(), "tlbstorm needs the parameter page of `vmm run --guest tlbstorm`");
    n = cpu_count();
    GUEST_ASSERT(n >= 2 && n <= MAX_CPUS, "tlbstorm: needs 2 to %d vCPUs (every vCPU flushes the others), not %u", MAX_CPUS, n);
    if (cpu_id() == 0) {
        GUEST_ASSERT((uint64_t)&blocks[n] <= guest_stacks_bottom(), "tlbstorm: the tables and blocks of %u vCPUs overlap the stacks", n);
        rounds = (uint64_t)guest_arg_int("rounds", 10000);
        passes = (uint64_t)guest_arg_int("passes", 16);
        window = (uint64_t)guest_arg_int("window", 16);
        min_observed = (uint64_t)guest_arg_int("min-observed", 1);
        variant_count = flush_variants(variants);
        GUEST_ASSERT(variant_count > 0, "tlbstorm: no flush hypercall form for this profile");
        hv_enable_hypercall_page(hypercall_page, GUEST_OS_ID);   /* partition-wide: before anyone can call */
    }
    user_call(storm, 0, false);
}

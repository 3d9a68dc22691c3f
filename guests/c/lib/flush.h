/*
 * What the flush-coherence guests (tlbcoherence, tlbstorm) share: the forms of the remote-flush hypercalls
 * they cycle through and the input block of each, and a vCPU's private page-table chain for the test
 * addresses (docs/guests-in-c.md, "Flush guests"). All of it runs at CPL3 but flush_variants().
 */
#ifndef VMM_GUEST_FLUSH_H
#define VMM_GUEST_FLUSH_H

#include "guest.h"
#include "tlfs.h"

/* ---- the flush hypercall forms ---- */
struct flush_variant {
    const char *name;
    uint16_t code;   /* HVCALL_FLUSH_* */
    bool ex;         /* an HV_VP_SET instead of a 64-bit ProcessorMask */
    bool list;       /* a GVA list (one entry: the test page) */
    bool all;        /* HV_FLUSH_ALL_PROCESSORS, or HV_GENERIC_SET_ALL for an Ex call */
    bool fast;       /* XMM fast input: RDX, R8 and XMM0-XMM5 instead of a page */
};
#define FLUSH_MAX_VARIANTS 12
/*
 * Most sparse banks an XMM fast Ex call can carry: RDX, R8 and XMM0-XMM5 hold 112 bytes, and an Ex list with
 * b banks takes 16 (header) + 16 (Format, ValidBanksMask) + 8b + 8 (one GVA entry).
 */
#define FLUSH_MAX_XMM_BANKS 9

/*
 * CPL0. The forms this VM offers, in cycling order: from the hypervisor CPUID leaves (tlfs.h), checked
 * against the --hv profile in the parameter page. The mask forms only when every VP index is below 64 (a
 * 64-bit ProcessorMask cannot name more); the Ex forms with the Ex recommendation (0x40000004.EAX bit 11);
 * with XMM fast input (0x40000003.EDX bit 4) each slow form again as "NAME-xmm" when its input fits.
 * TlbCoherenceGuest.VariantNames lists the same names for the tests.
 */
unsigned flush_variants(struct flush_variant out[FLUSH_MAX_VARIANTS]);
/* "space, space-all, ..." into buf (NUL-terminated, cut at size). */
void flush_variant_names(const struct flush_variant *v, unsigned count, char *buf, size_t size);

struct flush_call {
    uint64_t control;    /* RCX */
    uint64_t expected;   /* the RAX of a complete success: status 0, and one rep done for the list calls */
};
/*
 * Writes the input of form v into `input` (page-aligned, so the block never crosses a page: TLFS "Hypercall
 * Inputs"; at least 112 bytes readable for the fast forms): AddressSpace, Flags, then the vCPUs of `targets`
 * (a mask of vCPU indices) by VP index as a ProcessorMask or a sparse HV_VP_SET, then for the list forms one
 * GVA range, `gva`'s page alone. Layouts: TLFS hvcallflushvirtualaddressspace(ex).md,
 * hvcallflushvirtualaddresslist(ex).md, datatypes/hv_vp_set.md.
 */
struct flush_call flush_build(const struct flush_variant *v, uint64_t *input, uint64_t address_space, uint64_t flags,
                              uint64_t targets, uint64_t gva);
/* CPL3: makes the call built into `input` (user_hv_hypercall or user_hv_hypercall_xmm) and returns RAX. */
uint64_t flush_call(const struct flush_variant *v, struct flush_call c, const uint64_t *input);

/* A call that did not return what it should, kept until the report: where it was checked, and what it returned. */
struct flush_failure {
    bool failed;
    unsigned variant;
    int line;
    const char *file;
    uint64_t round, rax, expected;
};
#define FLUSH_FAILED(f, variant_, round_, rax_, expected_) \
    (*(f) = (struct flush_failure){ true, (variant_), __LINE__, __FILE__, (round_), (rax_), (expected_) })
/* "FILE:LINE: vCPU N: PREFIXhypercall NAME failed in round R: RAX = ..., expected ..." */
void flush_print_failure(const struct flush_failure *f, unsigned cpu, const char *prefix, const struct flush_variant *variants);

/* ---- a vCPU's own page-table chain for the test addresses ---- */
/*
 * Seven pages: PML4, PDPT, PD, PT, then three marker pages. PML4 slot 0 is the environment's identity map;
 * slot 1 (VA 512 GiB) leads to the private PT. Private chains matter on shadow-paging hosts: shadow pages
 * are shared VM-wide and one vCPU's sync re-reads only what its own root reaches, so no vCPU's flush can
 * repair another's translation of the test addresses (docs/kvm-host.md#stale-translations).
 */
struct chain {
    uint64_t pml4[512], pdpt[512], pd[512], pt[512];
    uint64_t marker[3][512];   /* a test page: its first qword is its marker */
};
_Static_assert(sizeof(struct chain) == 7 * 4096, "TlbCoherenceGuest.ChainBytes mirrors this");
#define FLUSH_TEST_ADDRESS 0x8000000000ull   /* PML4 slot 1: clear of the identity map in slot 0 */
/* x86-64 paging entries (SDM Vol. 3 §4.5): P, R/W, U/S, A. */
#define PTE_P  0x01ull
#define PTE_RW 0x02ull
#define PTE_US 0x04ull
#define PTE_A  0x20ull
#define CHAIN_TABLE (PTE_P | PTE_RW | PTE_US | PTE_A)
#define CHAIN_LEAF  (PTE_P | PTE_US | PTE_A)   /* read-only: a stale mapping is only ever read */
/* CPL3: zeroes the chain and links PML4[0] = the environment's, PML4[1] -> PDPT -> PD -> PT. */
void chain_build(struct chain *c);
/* CPL3: loads the chain's PML4 into CR3 (through user_kcall). */
void chain_activate(struct chain *c);

/*
 * The markers a read of a test address may return in epoch e, when marker page p holds base + p: m[0] the
 * current page (e mod 3), m[1] the next ((e + 1) mod 3: the sender may have stored the next PTE already),
 * m[2] the page from before the last completed flush ((e + 2) mod 3: a stale read).
 */
static inline void epoch_markers(uint64_t base, uint64_t e, uint64_t m[3])
{
    unsigned p = (unsigned)(e % 3);
    for (int i = 0; i < 3; i++) m[i] = base + (p + i) % 3;
}

/* xorshift64 (Marsaglia 2003: 13, 7, 17). */
static inline uint64_t xorshift64(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

#endif

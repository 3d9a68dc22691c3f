/* The flush hypercall forms and private page-table chains of the flush-coherence guests (flush.h). */
#include "flush.h"

#define ENV_PML4 0x1000ull   /* the environment's PML4 (LongModeLayout.Pml4) */

/* The slow forms in cycling order, each with the name of its XMM fast form. */
static const struct { struct flush_variant slow; const char *fast_name; } forms[] = {
    { { "space", HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, false, false, false, false }, "space-xmm" },
    { { "space-all", HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, false, false, true, false }, "space-all-xmm" },
    { { "list", HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, false, true, false, false }, "list-xmm" },
    { { "space-ex", HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, true, false, false, false }, "space-ex-xmm" },
    { { "space-ex-all", HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, true, false, true, false }, "space-ex-all-xmm" },
    { { "list-ex", HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX, true, true, false, false }, "list-ex-xmm" },
};
#define FORMS (sizeof forms / sizeof forms[0])

unsigned flush_variants(struct flush_variant out[FLUSH_MAX_VARIANTS])
{
    /* What the hypervisor reports (TLFS feature-discovery.md) must be what the profile asked for. */
    struct cpuid_regs rec = cpuid(HV_CPUID_ENLIGHTENMENT_INFO, 0), feat = cpuid(HV_CPUID_FEATURES, 0);
    bool flush = rec.eax & HV_REC_REMOTE_TLB_FLUSH_HYPERCALL, ex = rec.eax & HV_REC_EX_PROCESSOR_MASKS;
    bool xmm = feat.edx & HV_FEATURE_XMM_FAST_HYPERCALL_INPUT;
    GUEST_ASSERT_EQ(flush, guest_hv(VMM_HV_TLBFLUSH), "CPUID 0x40000004.EAX bit 2 (remote flush hypercall) against --hv");
    GUEST_ASSERT_EQ(ex, guest_hv(VMM_HV_TLBFLUSH_EX), "CPUID 0x40000004.EAX bit 11 (Ex processor masks) against --hv");
    GUEST_ASSERT_EQ(xmm, guest_hv(VMM_HV_XMM), "CPUID 0x40000003.EDX bit 4 (XMM fast input) against --hv");

    /* VP indices are below 4096 (an HV_VP_SET has 64 banks of 64). */
    bool masks = true;
    uint64_t valid_banks = 0;
    for (uint32_t i = 0; i < cpu_count(); i++) {
        masks &= guest_params.vp_index[i] < 64;
        valid_banks |= 1ull << (guest_params.vp_index[i] / 64 % 64);
    }
    unsigned banks = 0;
    for (; valid_banks; valid_banks &= valid_banks - 1) banks++;   /* no libgcc: no __builtin_popcountll */

    bool offered[FORMS];
    unsigned count = 0;
    for (unsigned i = 0; i < FORMS; i++) {
        offered[i] = forms[i].slow.ex ? ex : flush && (masks || forms[i].slow.all);
        if (offered[i]) out[count++] = forms[i].slow;
    }
    for (unsigned i = 0; i < FORMS; i++) {
        if (xmm && offered[i] && (!forms[i].slow.ex || forms[i].slow.all || banks <= FLUSH_MAX_XMM_BANKS)) {
            out[count] = forms[i].slow;
            out[count].name = forms[i].fast_name;
            out[count++].fast = true;
        }
    }
    return count;
}

void flush_variant_names(const struct flush_variant *v, unsigned count, char *buf, size_t size)
{
    size_t at = 0;
    for (unsigned i = 0; i < count; i++) {
        for (const char *s = i ? ", " : ""; *s && at + 1 < size; s++) buf[at++] = *s;
        for (const char *s = v[i].name; *s && at + 1 < size; s++) buf[at++] = *s;
    }
    buf[at] = 0;
}

struct flush_call flush_build(const struct flush_variant *v, uint64_t *input, uint64_t address_space, uint64_t flags,
                              uint64_t targets, uint64_t gva)
{
    /* Header: AddressSpace and Flags, 8 bytes each at offsets 0 and 8. */
    struct flush_call c = { v->code, 0 };
    input[0] = address_space;
    input[1] = flags | (v->all && !v->ex ? HV_FLUSH_ALL_PROCESSORS : 0);
    if (v->list) {
        c.control |= 1ull << HV_HYPERCALL_REP_COUNT_SHIFT;   /* one GVA range */
        c.expected = 1ull << 32;                              /* one rep completed (RAX bits 43:32) */
    }
    if (v->fast) c.control |= HV_HYPERCALL_FAST;

    unsigned gva_at;
    if (!v->ex) {
        /* ProcessorMask: bit VpIndex(t) for each target (ignored with ALL_PROCESSORS, filled anyway). */
        uint64_t mask = 0;
        for (uint64_t t = targets; t; t &= t - 1) mask |= 1ull << guest_params.vp_index[__builtin_ctzll(t)];
        input[2] = mask;
        gva_at = 3;
    } else if (v->all) {
        input[2] = HV_GENERIC_SET_ALL;
        input[3] = 0;
        gva_at = 4;
    } else {
        /* Sparse 4K banks: bank = VP index / 64, bit = VP index % 64; one bank QWORD per ValidBanksMask bit in
           ascending bank order, their count the call's variable header size (TLFS "Hypercall Inputs"). */
        uint64_t words[64] = { 0 }, valid = 0;
        for (uint64_t t = targets; t; t &= t - 1) {
            uint32_t vp = guest_params.vp_index[__builtin_ctzll(t)];
            words[vp / 64] |= 1ull << (vp % 64);
            valid |= 1ull << (vp / 64);
        }
        input[2] = HV_GENERIC_SET_SPARSE_4K;
        input[3] = valid;
        unsigned banks = 0;
        for (uint64_t b = valid; b; b &= b - 1) input[4 + banks++] = words[__builtin_ctzll(b)];
        c.control |= (uint64_t)banks << HV_HYPERCALL_VARHEAD_SHIFT;
        gva_at = 4 + banks;
    }
    if (v->list) input[gva_at] = HV_GVA_RANGE(gva, 0);
    return c;
}

uint64_t flush_call(const struct flush_variant *v, struct flush_call c, const uint64_t *input)
{
    return v->fast ? user_hv_hypercall_xmm(c.control, input) : user_hv_hypercall(c.control, (uint64_t)input, 0);
}

void flush_print_failure(const struct flush_failure *f, unsigned cpu, const char *prefix, const struct flush_variant *variants)
{
    guest_printf("%s:%d: vCPU %u: %shypercall %s failed in round %lu: RAX = 0x%lx, expected 0x%lx (status in bits 15:0, reps completed in 43:32)\n",
                 f->file, f->line, cpu, prefix, variants[f->variant].name, f->round, f->rax, f->expected);
}

void chain_build(struct chain *c)
{
    memset(c, 0, sizeof *c);
    c->pml4[0] = *(volatile uint64_t *)ENV_PML4;
    c->pml4[1] = (uint64_t)c->pdpt | CHAIN_TABLE;
    c->pdpt[0] = (uint64_t)c->pd | CHAIN_TABLE;
    c->pd[0] = (uint64_t)c->pt | CHAIN_TABLE;
}

static uint64_t write_cr3(uint64_t pml4)
{
    __asm__ volatile("mov %0, %%cr3" : : "r"(pml4) : "memory");
    return 0;
}

void chain_activate(struct chain *c) { user_kcall(write_cr3, (uint64_t)c->pml4); }

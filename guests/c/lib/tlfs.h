/*
 * Hyper-V definitions the C guests use, written from Microsoft's Hypervisor Top-Level Functional
 * Specification (TLFS, learn.microsoft.com/virtualization/hyper-v-on-windows/tlfs). Deliberately NOT
 * derived from src/Vmm.HyperV: a guest that shared the VMM's constants would share its transcription
 * errors. Each group names the TLFS section it comes from.
 */
#ifndef VMM_GUEST_TLFS_H
#define VMM_GUEST_TLFS_H

#include <stdint.h>

/* TLFS "Feature and Interface Discovery" (feature-discovery.md): the hypervisor CPUID leaves. */
#define HV_CPUID_VENDOR_AND_MAX_FUNCTIONS 0x40000000u
#define HV_CPUID_INTERFACE                0x40000001u
#define HV_CPUID_SYSTEM_IDENTITY          0x40000002u
#define HV_CPUID_FEATURES                 0x40000003u
#define HV_CPUID_ENLIGHTENMENT_INFO       0x40000004u
#define HV_CPUID_IMPLEMENTATION_LIMITS    0x40000005u
#define HV_CPUID_HARDWARE_FEATURES        0x40000006u
#define HV_CPUID_MIN_MAX_LEAF             0x40000005u   /* 0x40000000.EAX is at least this */
#define HV_CPUID_VENDOR_EBX               0x7263694Du   /* "Micr" */
#define HV_CPUID_VENDOR_ECX               0x666F736Fu   /* "osof" */
#define HV_CPUID_VENDOR_EDX               0x76482074u   /* "t Hv" */
#define HV_CPUID_INTERFACE_HV1            0x31237648u   /* "Hv#1" */
#define HV_CPUID_1_ECX_HYPERVISOR_PRESENT (1u << 31)    /* CPUID.01H:ECX[31] (feature-discovery.md) */

/* TLFS "Partition Privilege Flags" (datatypes/hv_partition_privilege_mask.md): 0x40000003 EAX = bits 0-31. */
#define HV_ACCESS_VP_RUNTIME_REG            (1u << 0)
#define HV_ACCESS_PARTITION_REFERENCE_COUNTER (1u << 1)
#define HV_ACCESS_SYNIC_REGS                (1u << 2)
#define HV_ACCESS_SYNTHETIC_TIMER_REGS      (1u << 3)
#define HV_ACCESS_INTR_CTRL_REGS            (1u << 4)
#define HV_ACCESS_HYPERCALL_MSRS            (1u << 5)
#define HV_ACCESS_VP_INDEX                  (1u << 6)
#define HV_ACCESS_RESET_REG                 (1u << 7)
#define HV_ACCESS_STATS_REG                 (1u << 8)
#define HV_ACCESS_PARTITION_REFERENCE_TSC   (1u << 9)
#define HV_ACCESS_GUEST_IDLE_REG            (1u << 10)
#define HV_ACCESS_FREQUENCY_REGS            (1u << 11)

/* TLFS feature-discovery.md, 0x40000003.EDX feature flags. */
#define HV_FEATURE_XMM_FAST_HYPERCALL_INPUT (1u << 4)
#define HV_FEATURE_FREQUENCY_REGS           (1u << 8)
#define HV_FEATURE_EXTENDED_GVA_RANGES_FLUSH (1u << 14)

/* TLFS feature-discovery.md, 0x40000004.EAX implementation recommendations. */
#define HV_REC_REMOTE_TLB_FLUSH_HYPERCALL   (1u << 2)
#define HV_REC_RELAXED_TIMING               (1u << 5)
#define HV_REC_SYNTHETIC_CLUSTER_IPI        (1u << 10)
#define HV_REC_EX_PROCESSOR_MASKS           (1u << 11)

/* TLFS "Synthetic MSRs" (tlfs.md appendix, and the sections that define each register). */
#define HV_X64_MSR_GUEST_OS_ID      0x40000000u
#define HV_X64_MSR_HYPERCALL        0x40000001u   /* "Hypercall Page": bit 0 enable, bits 63:12 GPA page number */
#define HV_X64_MSR_VP_INDEX         0x40000002u   /* "Virtual Processor Index" (read-only) */
#define HV_X64_MSR_RESET            0x40000003u
#define HV_X64_MSR_TIME_REF_COUNT   0x40000020u   /* "Partition Reference Counter" */
#define HV_X64_MSR_REFERENCE_TSC    0x40000021u   /* "Partition Reference TSC Page" */
#define HV_X64_MSR_TSC_FREQUENCY    0x40000022u
#define HV_X64_MSR_APIC_FREQUENCY   0x40000023u
#define HV_X64_MSR_VP_ASSIST_PAGE   0x40000073u

/* TLFS "Partition Reference TSC Mechanism": the reference TSC page layout. */
struct hv_reference_tsc_page {
    volatile uint32_t tsc_sequence;   /* 0 means "invalid, use the MSR" */
    uint32_t reserved1;
    volatile uint64_t tsc_scale;
    volatile int64_t tsc_offset;
};

/* TLFS "Hypercall Interface", "Hypercall Inputs": the control word in RCX (x64). */
#define HV_HYPERCALL_FAST            (1ull << 16)
#define HV_HYPERCALL_VARHEAD_SHIFT   17            /* bits 26:17, variable header size in 8-byte units */
#define HV_HYPERCALL_REP_COUNT_SHIFT 32            /* bits 43:32 */
#define HV_HYPERCALL_REP_START_SHIFT 48            /* bits 59:48 */
#define HV_HYPERCALL_RESERVED_BIT27  (1ull << 27)  /* bits 31:27 are reserved (RsvdZ) */
/* Output in RAX: bits 15:0 the HV_STATUS, bits 43:32 reps completed. */
#define HV_HYPERCALL_STATUS(rax)     ((uint16_t)(rax))
#define HV_HYPERCALL_REPS_DONE(rax)  ((unsigned)(((rax) >> 32) & 0xFFF))

/* TLFS "Hypercall Interface" appendix: call codes used here. */
#define HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE     0x0002
#define HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST      0x0003
#define HVCALL_NOTIFY_LONG_SPIN_WAIT           0x0008
#define HVCALL_SEND_SYNTHETIC_CLUSTER_IPI      0x000B
#define HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX  0x0013
#define HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX   0x0014
#define HVCALL_SEND_SYNTHETIC_CLUSTER_IPI_EX   0x0015

/* TLFS "HV_STATUS" (datatypes/hv_status.md). */
#define HV_STATUS_SUCCESS                 0x0000
#define HV_STATUS_INVALID_HYPERCALL_CODE  0x0002
#define HV_STATUS_INVALID_HYPERCALL_INPUT 0x0003
#define HV_STATUS_INVALID_ALIGNMENT       0x0004
#define HV_STATUS_INVALID_PARAMETER       0x0005
#define HV_STATUS_ACCESS_DENIED           0x0006
#define HV_STATUS_INVALID_VP_INDEX        0x000E

/* TLFS "Virtual Processor Management"/flush hypercall pages: HV_FLUSH_FLAGS. */
#define HV_FLUSH_ALL_PROCESSORS              (1ull << 0)
#define HV_FLUSH_ALL_VIRTUAL_ADDRESS_SPACES  (1ull << 1)
#define HV_FLUSH_NON_GLOBAL_MAPPINGS_ONLY    (1ull << 2)
#define HV_FLUSH_USE_EXTENDED_RANGE_FORMAT   (1ull << 3)

/* TLFS hvcallflushvirtualaddressspace.md / hvcallflushvirtualaddresslist.md input layout. */
struct hv_flush_input {
    uint64_t address_space;    /* offset 0: a CR3 value */
    uint64_t flags;            /* offset 8: HV_FLUSH_* */
    uint64_t processor_mask;   /* offset 16: bit n = VP index n */
};

/* TLFS datatypes/hv_vp_set.md: HV_VP_SET, sparse 4K-bank format. */
#define HV_GENERIC_SET_SPARSE_4K 0
#define HV_GENERIC_SET_ALL       1
struct hv_flush_input_ex {
    uint64_t address_space;    /* offset 0 */
    uint64_t flags;            /* offset 8 */
    uint64_t format;           /* offset 16: HV_VP_SET.Format */
    uint64_t valid_bank_mask;  /* offset 24 */
    uint64_t bank_contents[];  /* offset 32: one 64-bit bank per set bit of valid_bank_mask */
};

/* TLFS "GVA range" (hvcallflushvirtualaddresslist.md): page number in 63:12, additional pages in 11:0. */
#define HV_GVA_RANGE(gva, extra_pages) (((uint64_t)(gva) & ~0xFFFull) | ((uint64_t)(extra_pages) & 0xFFF))

/* TLFS hvcallsendsyntheticclusteripi.md: input. */
struct hv_send_ipi_input {
    uint32_t vector;
    uint32_t reserved;
    uint64_t processor_mask;
};

#endif

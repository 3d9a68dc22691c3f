namespace Vmm.Kvm.Interop;

/// <summary>Constants from include/uapi/linux/kvm.h (capabilities, exit reasons, flags), spelled as there.</summary>
internal static class KvmConstants
{
    internal const int KVM_API_VERSION = 12;

    // Capabilities (KVM_CHECK_EXTENSION).
    internal const int KVM_CAP_IRQCHIP = 0;
    internal const int KVM_CAP_HLT = 1;
    internal const int KVM_CAP_USER_MEMORY = 3;
    internal const int KVM_CAP_SET_TSS_ADDR = 4;
    internal const int KVM_CAP_EXT_CPUID = 7;
    internal const int KVM_CAP_NR_VCPUS = 9;
    internal const int KVM_CAP_NR_MEMSLOTS = 10;
    internal const int KVM_CAP_PIT2 = 33;

    /// <summary>kvm_pit_config.flags: the PC speaker port 0x61 is emulated as a dummy (api.rst KVM_CREATE_PIT2).</summary>
    internal const uint KVM_PIT_SPEAKER_DUMMY = 1;
    internal const int KVM_CAP_GET_TSC_KHZ = 61;
    internal const int KVM_CAP_MAX_VCPUS = 66;
    internal const int KVM_CAP_TSC_DEADLINE_TIMER = 72;
    internal const int KVM_CAP_SYNC_REGS = 74;
    internal const int KVM_CAP_SIGNAL_MSI = 77;
    internal const int KVM_CAP_IMMEDIATE_EXIT = 136;
    internal const int KVM_CAP_X86_USER_SPACE_MSR = 188;
    internal const int KVM_CAP_X86_MSR_FILTER = 189;

    // Exit reasons (kvm_run.exit_reason).
    internal const uint KVM_EXIT_UNKNOWN = 0;
    internal const uint KVM_EXIT_EXCEPTION = 1;
    internal const uint KVM_EXIT_IO = 2;
    internal const uint KVM_EXIT_HYPERCALL = 3;
    internal const uint KVM_EXIT_DEBUG = 4;
    internal const uint KVM_EXIT_HLT = 5;
    internal const uint KVM_EXIT_MMIO = 6;
    internal const uint KVM_EXIT_IRQ_WINDOW_OPEN = 7;
    internal const uint KVM_EXIT_SHUTDOWN = 8;
    internal const uint KVM_EXIT_FAIL_ENTRY = 9;
    internal const uint KVM_EXIT_INTR = 10;
    internal const uint KVM_EXIT_INTERNAL_ERROR = 17;
    internal const uint KVM_EXIT_SYSTEM_EVENT = 24;
    internal const uint KVM_EXIT_X86_RDMSR = 29;
    internal const uint KVM_EXIT_X86_WRMSR = 30;

    internal const byte KVM_EXIT_IO_IN = 0;
    internal const byte KVM_EXIT_IO_OUT = 1;

    internal const uint KVM_SYSTEM_EVENT_SHUTDOWN = 1;
    internal const uint KVM_SYSTEM_EVENT_RESET = 2;
    internal const uint KVM_SYSTEM_EVENT_CRASH = 3;

    internal const uint KVM_INTERNAL_ERROR_EMULATION = 1;
    internal const uint KVM_INTERNAL_ERROR_SIMUL_EX = 2;
    internal const uint KVM_INTERNAL_ERROR_DELIVERY_EV = 3;

    // kvm_run.kvm_valid_regs / kvm_dirty_regs (KVM_CAP_SYNC_REGS).
    internal const ulong KVM_SYNC_X86_REGS = 1;
    internal const ulong KVM_SYNC_X86_SREGS = 2;
    internal const ulong KVM_SYNC_X86_EVENTS = 4;

    internal const uint KVM_CPUID_FLAG_SIGNIFCANT_INDEX = 1;

    internal const uint KVM_MP_STATE_RUNNABLE = 0;

    // KVM_CAP_X86_USER_SPACE_MSR arguments and exit reasons (Documentation/virt/kvm/api.rst §7.21).
    internal const ulong KVM_MSR_EXIT_REASON_INVAL = 1;
    internal const ulong KVM_MSR_EXIT_REASON_UNKNOWN = 2;
    internal const ulong KVM_MSR_EXIT_REASON_FILTER = 4;

    internal const uint KVM_MSR_FILTER_READ = 1;
    internal const uint KVM_MSR_FILTER_WRITE = 2;
    internal const uint KVM_MSR_FILTER_DEFAULT_ALLOW = 0;
    internal const int KVM_MSR_FILTER_MAX_RANGES = 16;

    internal const uint KVM_VCPUEVENT_VALID_NMI_PENDING = 1;
    internal const uint KVM_VCPUEVENT_VALID_SIPI_VECTOR = 2;
    internal const uint KVM_VCPUEVENT_VALID_SHADOW = 4;
    internal const uint KVM_VCPUEVENT_VALID_PAYLOAD = 16;

    /// <summary>Kernel sigset size on x86-64, the length KVM_SET_SIGNAL_MASK requires.</summary>
    internal const uint KernelSigsetSize = 8;
}

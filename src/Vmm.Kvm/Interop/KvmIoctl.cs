using Vmm.Kvm.Interop.Types;

namespace Vmm.Kvm.Interop;

/// <summary>
/// KVM ioctl request numbers, computed from the _IOC rules of include/uapi/asm-generic/ioctl.h
/// (dir &lt;&lt; 30 | size &lt;&lt; 16 | type &lt;&lt; 8 | nr) and include/uapi/linux/kvm.h, grouped by the fd they
/// apply to. A test pins each against the value the kernel header produces.
/// </summary>
internal static unsafe class KvmIoctl
{
    private const uint KVMIO = 0xAE;
    private const uint IocNone = 0;
    private const uint IocWrite = 1;
    private const uint IocRead = 2;

    // System ioctls (/dev/kvm).
    internal static readonly nuint KVM_GET_API_VERSION = Io(0x00);
    internal static readonly nuint KVM_CREATE_VM = Io(0x01);
    internal static readonly nuint KVM_CHECK_EXTENSION = Io(0x03);
    internal static readonly nuint KVM_GET_VCPU_MMAP_SIZE = Io(0x04);
    internal static readonly nuint KVM_GET_SUPPORTED_CPUID = IoWr(0x05, sizeof(kvm_cpuid2));

    // VM ioctls.
    internal static readonly nuint KVM_CREATE_VCPU = Io(0x41);
    internal static readonly nuint KVM_SET_USER_MEMORY_REGION = Iow(0x46, sizeof(kvm_userspace_memory_region));
    internal static readonly nuint KVM_SET_TSS_ADDR = Io(0x47);
    internal static readonly nuint KVM_SET_IDENTITY_MAP_ADDR = Iow(0x48, sizeof(ulong));
    internal static readonly nuint KVM_CREATE_IRQCHIP = Io(0x60);
    internal static readonly nuint KVM_IRQ_LINE = Iow(0x61, sizeof(kvm_irq_level));
    internal static readonly nuint KVM_CREATE_PIT2 = Iow(0x77, sizeof(kvm_pit_config));
    internal static readonly nuint KVM_SIGNAL_MSI = Iow(0xA5, sizeof(kvm_msi));
    internal static readonly nuint KVM_X86_SET_MSR_FILTER = Iow(0xC6, sizeof(kvm_msr_filter));

    // VM and vCPU: KVM_ENABLE_CAP is valid on both fds.
    internal static readonly nuint KVM_ENABLE_CAP = Iow(0xA3, sizeof(kvm_enable_cap));

    // vCPU ioctls.
    internal static readonly nuint KVM_RUN = Io(0x80);
    internal static readonly nuint KVM_GET_REGS = Ior(0x81, sizeof(kvm_regs));
    internal static readonly nuint KVM_SET_REGS = Iow(0x82, sizeof(kvm_regs));
    internal static readonly nuint KVM_GET_SREGS = Ior(0x83, sizeof(kvm_sregs));
    internal static readonly nuint KVM_SET_SREGS = Iow(0x84, sizeof(kvm_sregs));
    internal static readonly nuint KVM_GET_MSRS = IoWr(0x88, sizeof(kvm_msrs));
    internal static readonly nuint KVM_SET_MSRS = Iow(0x89, sizeof(kvm_msrs));
    internal static readonly nuint KVM_SET_SIGNAL_MASK = Iow(0x8B, sizeof(kvm_signal_mask));
    internal static readonly nuint KVM_GET_FPU = Ior(0x8C, sizeof(kvm_fpu));
    internal static readonly nuint KVM_SET_FPU = Iow(0x8D, sizeof(kvm_fpu));
    internal static readonly nuint KVM_SET_CPUID2 = Iow(0x90, sizeof(kvm_cpuid2));
    internal static readonly nuint KVM_GET_MP_STATE = Ior(0x98, sizeof(uint));
    internal static readonly nuint KVM_SET_MP_STATE = Iow(0x99, sizeof(uint));
    internal static readonly nuint KVM_GET_TSC_KHZ = Io(0xA3);
    internal static readonly nuint KVM_GET_VCPU_EVENTS = Ior(0x9F, sizeof(kvm_vcpu_events));
    internal static readonly nuint KVM_SET_VCPU_EVENTS = Iow(0xA0, sizeof(kvm_vcpu_events));

    private static nuint Ioc(uint direction, uint nr, int size) =>
        (nuint)((direction << 30) | ((uint)size << 16) | (KVMIO << 8) | nr);

    private static nuint Io(uint nr) => Ioc(IocNone, nr, 0);

    private static nuint Ior(uint nr, int size) => Ioc(IocRead, nr, size);

    private static nuint Iow(uint nr, int size) => Ioc(IocWrite, nr, size);

    private static nuint IoWr(uint nr, int size) => Ioc(IocRead | IocWrite, nr, size);
}

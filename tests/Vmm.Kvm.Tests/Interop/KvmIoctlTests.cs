using Vmm.Kvm.Interop;

namespace Vmm.Kvm.Tests.Interop;

/// <summary>The ioctl request numbers computed from the _IOC rules equal what the kernel header's macros expand to.</summary>
public sealed class KvmIoctlTests
{
    public static TheoryData<string, nuint, nuint> Requests => new()
    {
        { "KVM_GET_API_VERSION", KvmIoctl.KVM_GET_API_VERSION, 0xAE00 },
        { "KVM_CREATE_VM", KvmIoctl.KVM_CREATE_VM, 0xAE01 },
        { "KVM_CHECK_EXTENSION", KvmIoctl.KVM_CHECK_EXTENSION, 0xAE03 },
        { "KVM_GET_VCPU_MMAP_SIZE", KvmIoctl.KVM_GET_VCPU_MMAP_SIZE, 0xAE04 },
        { "KVM_GET_SUPPORTED_CPUID", KvmIoctl.KVM_GET_SUPPORTED_CPUID, 0xC008AE05 },
        { "KVM_CREATE_VCPU", KvmIoctl.KVM_CREATE_VCPU, 0xAE41 },
        { "KVM_SET_USER_MEMORY_REGION", KvmIoctl.KVM_SET_USER_MEMORY_REGION, 0x4020AE46 },
        { "KVM_SET_TSS_ADDR", KvmIoctl.KVM_SET_TSS_ADDR, 0xAE47 },
        { "KVM_SET_IDENTITY_MAP_ADDR", KvmIoctl.KVM_SET_IDENTITY_MAP_ADDR, 0x4008AE48 },
        { "KVM_CREATE_IRQCHIP", KvmIoctl.KVM_CREATE_IRQCHIP, 0xAE60 },
        { "KVM_IRQ_LINE", KvmIoctl.KVM_IRQ_LINE, 0x4008AE61 },
        { "KVM_CREATE_PIT2", KvmIoctl.KVM_CREATE_PIT2, 0x4040AE77 },
        { "KVM_SIGNAL_MSI", KvmIoctl.KVM_SIGNAL_MSI, 0x4020AEA5 },
        { "KVM_X86_SET_MSR_FILTER", KvmIoctl.KVM_X86_SET_MSR_FILTER, 0x4188AEC6 },
        { "KVM_ENABLE_CAP", KvmIoctl.KVM_ENABLE_CAP, 0x4068AEA3 },
        { "KVM_RUN", KvmIoctl.KVM_RUN, 0xAE80 },
        { "KVM_GET_REGS", KvmIoctl.KVM_GET_REGS, 0x8090AE81 },
        { "KVM_SET_REGS", KvmIoctl.KVM_SET_REGS, 0x4090AE82 },
        { "KVM_GET_SREGS", KvmIoctl.KVM_GET_SREGS, 0x8138AE83 },
        { "KVM_SET_SREGS", KvmIoctl.KVM_SET_SREGS, 0x4138AE84 },
        { "KVM_GET_MSRS", KvmIoctl.KVM_GET_MSRS, 0xC008AE88 },
        { "KVM_SET_MSRS", KvmIoctl.KVM_SET_MSRS, 0x4008AE89 },
        { "KVM_SET_SIGNAL_MASK", KvmIoctl.KVM_SET_SIGNAL_MASK, 0x4004AE8B },
        { "KVM_GET_FPU", KvmIoctl.KVM_GET_FPU, 0x81A0AE8C },
        { "KVM_SET_FPU", KvmIoctl.KVM_SET_FPU, 0x41A0AE8D },
        { "KVM_SET_CPUID2", KvmIoctl.KVM_SET_CPUID2, 0x4008AE90 },
        { "KVM_GET_MP_STATE", KvmIoctl.KVM_GET_MP_STATE, 0x8004AE98 },
        { "KVM_SET_MP_STATE", KvmIoctl.KVM_SET_MP_STATE, 0x4004AE99 },
        { "KVM_GET_VCPU_EVENTS", KvmIoctl.KVM_GET_VCPU_EVENTS, 0x8040AE9F },
        { "KVM_SET_VCPU_EVENTS", KvmIoctl.KVM_SET_VCPU_EVENTS, 0x4040AEA0 },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public void RequestNumberMatchesKernelHeader(string name, nuint actual, nuint expected) =>
        Assert.True(expected == actual, $"{name} is 0x{actual:X}, kernel header gives 0x{expected:X}");
}

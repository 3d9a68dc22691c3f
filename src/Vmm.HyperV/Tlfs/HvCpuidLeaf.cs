namespace Vmm.HyperV.Tlfs;

/// <summary>
/// Hypervisor CPUID leaf numbers and the fixed values the TLFS defines for them.
/// </summary>
/// <remarks>TLFS feature-discovery.md; docs/hyperv.md#leaves, #other-leaves, #linux-detection.</remarks>
public static class HvCpuidLeaf
{
    /// <summary>CPUID.01H:ECX bit 31, "hypervisor present" (TLFS feature-discovery.md "Hypervisor Discovery").</summary>
    public const uint HypervisorPresentEcxBit = 1u << 31;

    /// <summary>First leaf of the range reserved for hypervisors.</summary>
    public const uint HypervisorRangeFirst = 0x4000_0000;

    /// <summary>Last leaf of the range reserved for hypervisors.</summary>
    public const uint HypervisorRangeLast = 0x4FFF_FFFF;

    /// <summary>
    /// Last base Linux scans (in 0x100 steps from <see cref="HypervisorRangeFirst"/>) for another hypervisor's
    /// signature, e.g. "KVMKVMKVM" (docs/hyperv.md#linux-detection).
    /// </summary>
    public const uint SignatureScanLast = 0x4000_FF00;

    /// <summary>0x40000000: EAX = maximum hypervisor leaf, EBX:ECX:EDX = vendor signature.</summary>
    public const uint VendorAndMaxFunctions = 0x4000_0000;

    /// <summary>0x40000001: EAX = interface signature.</summary>
    public const uint Interface = 0x4000_0001;

    /// <summary>0x40000002: hypervisor system identity (build, version, service pack).</summary>
    public const uint SystemIdentity = 0x4000_0002;

    /// <summary>0x40000003: EAX:EBX = HV_PARTITION_PRIVILEGE_MASK, ECX = misc features, EDX = feature flags.</summary>
    public const uint FeatureIdentification = 0x4000_0003;

    /// <summary>0x40000004: EAX = recommendations, EBX = spinlock retry count, ECX = physical address bits.</summary>
    public const uint ImplementationRecommendations = 0x4000_0004;

    /// <summary>0x40000005: EAX = max VPs, EBX = max LPs, ECX = max interrupt-remapping vectors.</summary>
    public const uint ImplementationLimits = 0x4000_0005;

    /// <summary>0x40000006: hardware features in use by the hypervisor.</summary>
    public const uint ImplementationHardwareFeatures = 0x4000_0006;

    /// <summary>0x40000007: CPU management features (root partition only).</summary>
    public const uint CpuManagementFeatures = 0x4000_0007;

    /// <summary>0x40000008: shared virtual memory features.</summary>
    public const uint SharedVirtualMemoryFeatures = 0x4000_0008;

    /// <summary>0x40000009: nested hypervisor feature indication.</summary>
    public const uint NestedHypervisorFeatures = 0x4000_0009;

    /// <summary>0x4000000A: nested virtualization features (Linux reads it when the maximum leaf reaches it).</summary>
    public const uint NestedVirtualizationFeatures = 0x4000_000A;

    /// <summary>0x4000000C: isolation configuration (Linux reads it only with privilege Isolation, docs/hyperv.md#other-leaves).</summary>
    public const uint IsolationConfiguration = 0x4000_000C;

    /// <summary>
    /// 0x40000081: virtualization stack interface ("VS#1" in EAX); Linux reads it before 0x40000082
    /// (HYPERV_CPUID_VIRT_STACK_INTERFACE in Linux's hyperv-tlfs.h, found through the docs search).
    /// </summary>
    public const uint VirtualizationStackInterface = 0x4000_0081;

    /// <summary>0x40000082: virtualization stack properties; Linux reads it unconditionally (docs/hyperv.md#other-leaves).</summary>
    public const uint VirtualizationStackProperties = 0x4000_0082;

    /// <summary>0x40000100: where QEMU moves KVM's own leaves when it exposes Hyper-V (docs/hyperv.md#leaves, #linux-detection).</summary>
    public const uint RelocatedKvmBase = 0x4000_0100;

    /// <summary>0x40000000.EBX, "Micr".</summary>
    public const uint VendorSignatureEbx = 0x7263_694D;

    /// <summary>0x40000000.ECX, "osof".</summary>
    public const uint VendorSignatureEcx = 0x666F_736F;

    /// <summary>0x40000000.EDX, "t Hv".</summary>
    public const uint VendorSignatureEdx = 0x7648_2074;

    /// <summary>0x40000001.EAX, "Hv#1": implies GUEST_OS_ID, HYPERCALL and VP_INDEX MSRs (TLFS hypercall-interface.md).</summary>
    public const uint InterfaceSignatureHv1 = 0x3123_7648;

    /// <summary>The smallest maximum leaf a Microsoft hypervisor reports, and the smallest Linux accepts (docs/hyperv.md#linux-detection).</summary>
    public const uint MinimumMaxLeaf = ImplementationLimits;

    /// <summary>0x40000004.EBX: never notify the hypervisor about long spin waits (TLFS feature-discovery.md).</summary>
    public const uint SpinlockRetriesNeverNotify = 0xFFFF_FFFF;
}

using Vmm.HyperV.Cpuid;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Hypercalls;

/// <summary>
/// Which known hypercalls a <see cref="HyperVFeatureProfile"/> offers the guest; calls it does not offer answer
/// <see cref="HvStatus.AccessDenied"/>.
/// </summary>
/// <remarks>
/// The same profile drives CPUID, so a guest can use exactly what it was told about (KVM's CPUID-enforcing access
/// check, docs/hyperv.md#kvm-comparison (step 2); TLFS "Hypercall Restrictions": a call needing a privilege the partition lacks
/// fails). Three groups:
/// <list type="bullet">
/// <item>Recommended calls: the flush calls need the remote-flush recommendation, the Ex calls also ExProcessorMasks,
/// the cluster IPIs the IPI recommendation (Ex: also ExProcessorMasks), and HvCallNotifyLongSpinWait the spinlock
/// retry count (docs/hyperv.md#call-codes, #recommendations).</item>
/// <item>Privileged calls: read from the profile's HV_PARTITION_PRIVILEGE_MASK (docs/hyperv.md#privileges), so a profile
/// that one day grants the privilege opens the call without a change here.</item>
/// <item>Everything else known is offered; with no handler it answers <see cref="HvStatus.InvalidHypercallCode"/>
/// (docs/hyperv.md#status-codes: unimplemented calls report 2).</item>
/// </list>
/// </remarks>
internal static class HypercallAccess
{
    /// <summary>True when <paramref name="profile"/> offers <paramref name="code"/> to the guest.</summary>
    public static bool IsOffered(HyperVFeatureProfile profile, HvCallCode code)
    {
        HvPartitionPrivileges privileges = profile.Privileges;
        return code switch
        {
            HvCallCode.HvCallFlushVirtualAddressSpace or HvCallCode.HvCallFlushVirtualAddressList =>
                profile.Has(HyperVFeature.TlbFlush),
            HvCallCode.HvCallFlushVirtualAddressSpaceEx or HvCallCode.HvCallFlushVirtualAddressListEx =>
                profile.Has(HyperVFeature.TlbFlush | HyperVFeature.TlbFlushEx),
            HvCallCode.HvCallSendSyntheticClusterIpi => profile.Has(HyperVFeature.Ipi),
            HvCallCode.HvCallSendSyntheticClusterIpiEx => profile.Has(HyperVFeature.Ipi | HyperVFeature.TlbFlushEx),

            // The spinlock retry count in 0x40000004.EBX is what invites the guest to notify (docs/hyperv.md#recommendations). KVM
            // also refuses it when that count is 0xFFFFFFFF ("never notify"); we accept it then, so the
            // null-hypercall benchmark works with the stock profiles.
            HvCallCode.HvCallNotifyLongSpinWait => profile.Has(HyperVFeature.Spinlocks),

            HvCallCode.HvCallGetPartitionId => privileges.AccessPartitionId,
            HvCallCode.HvCallPostMessage => privileges.PostMessages,
            HvCallCode.HvCallSignalEvent => privileges.SignalEvents,
            HvCallCode.HvCallGetVpRegisters or HvCallCode.HvCallSetVpRegisters => privileges.AccessVpRegisters,
            HvCallCode.HvCallStartVirtualProcessor => privileges.StartVirtualProcessor,
            HvCallCode.HvCallModifyVtlProtectionMask
                or HvCallCode.HvCallEnablePartitionVtl
                or HvCallCode.HvCallEnableVpVtl
                or HvCallCode.HvCallVtlCall
                or HvCallCode.HvCallVtlReturn => privileges.AccessVsm,

            // Nested-virtualization flushes (0x4000000A.EAX bit 18, docs/hyperv.md#other-leaves): this VMM never offers them.
            HvCallCode.HvCallFlushGuestPhysicalAddressSpace or HvCallCode.HvCallFlushGuestPhysicalAddressList => false,

            _ when (ushort)code >= HvCallCodeInfo.FirstExtendedCallCode => privileges.EnableExtendedHypercalls,
            _ => true,
        };
    }
}

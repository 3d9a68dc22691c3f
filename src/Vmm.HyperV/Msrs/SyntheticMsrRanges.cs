using System.Collections.ObjectModel;
using Vmm.Core.Hypervisor;

namespace Vmm.HyperV.Msrs;

/// <summary>The MSR indices a backend must hand to userspace (<see cref="SyntheticMsrs"/>) instead of serving itself.</summary>
/// <remarks>
/// 0x40000000-0x400000FF holds every synthetic MSR this VMM implements and every one it must refuse (SynIC,
/// synthetic timers, APIC MSRs, GUEST_IDLE). On KVM this range is given to KVM_X86_SET_MSR_FILTER, so a kernel
/// with its own Hyper-V emulation never answers them (docs/kvm-host.md#msr-exits, docs/design.md#hypercall-transport); on WHP it is what the
/// X64MsrExit handler forwards. The crash, reenlightenment and TSC-invariant MSRs (0x40000100-0x40000118) are not
/// included, as no profile advertises them: they get the backend's default, which on KVM may be its own emulation
/// when it sees the Hv#1 signature. Widen the range (they then fault here) if that ever matters.
/// </remarks>
public static class SyntheticMsrRanges
{
    /// <summary>First synthetic MSR: HV_X64_MSR_GUEST_OS_ID.</summary>
    public const uint First = 0x4000_0000;

    /// <summary>Last MSR of the routed block.</summary>
    public const uint Last = 0x4000_00FF;

    /// <summary>The ranges to route to userspace (one today).</summary>
    public static IReadOnlyList<MsrRange> UserspaceRanges { get; } = new ReadOnlyCollection<MsrRange>([new MsrRange(First, Last)]);

    /// <summary>True when <paramref name="index"/> is routed to userspace.</summary>
    public static bool Contains(uint index) => index is >= First and <= Last;
}

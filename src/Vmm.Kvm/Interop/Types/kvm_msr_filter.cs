using System.Runtime.InteropServices;

namespace Vmm.Kvm.Interop.Types;

/// <summary>struct kvm_msr_filter_range: a bitmap over nmsrs MSRs from base; a clear bit denies (and so exits).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct kvm_msr_filter_range
{
    public uint flags;
    public uint nmsrs;
    public uint @base;
    public uint padding;
    public nint bitmap;
}

/// <summary>struct kvm_msr_filter (KVM_X86_SET_MSR_FILTER), with KVM_MSR_FILTER_MAX_RANGES (16) ranges.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct kvm_msr_filter
{
    public uint flags;
    public uint padding;
    public KvmMsrFilterRanges ranges;
}

/// <summary>The fixed array of 16 ranges inside kvm_msr_filter.</summary>
[System.Runtime.CompilerServices.InlineArray(16)]
internal struct KvmMsrFilterRanges
{
    private kvm_msr_filter_range _element0;
}

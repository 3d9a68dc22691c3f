using System.Runtime.InteropServices;

namespace Vmm.Kvm.Interop.Types;

/// <summary>struct kvm_cpuid2 header; nent kvm_cpuid_entry2 entries follow it in the same buffer.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct kvm_cpuid2
{
    public uint nent;
    public uint padding;
}

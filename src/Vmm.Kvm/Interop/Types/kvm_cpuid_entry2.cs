using System.Runtime.InteropServices;

namespace Vmm.Kvm.Interop.Types;

/// <summary>struct kvm_cpuid_entry2.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct kvm_cpuid_entry2
{
    public uint function;
    public uint index;
    public uint flags;
    public uint eax, ebx, ecx, edx;
    public fixed uint padding[3];
}

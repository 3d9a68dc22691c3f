using System.Runtime.InteropServices;

namespace Vmm.Kvm.Interop.Types;

/// <summary>struct kvm_signal_mask header; len bytes of kernel sigset follow it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct kvm_signal_mask
{
    public uint len;
}

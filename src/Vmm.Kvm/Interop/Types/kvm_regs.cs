using System.Runtime.InteropServices;

namespace Vmm.Kvm.Interop.Types;

/// <summary>struct kvm_regs (x86).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct kvm_regs
{
    public ulong rax, rbx, rcx, rdx;
    public ulong rsi, rdi, rsp, rbp;
    public ulong r8, r9, r10, r11;
    public ulong r12, r13, r14, r15;
    public ulong rip, rflags;
}

using System.Runtime.InteropServices;

namespace Vmm.Kvm.Interop.Types;

/// <summary>struct kvm_vcpu_events (x86): pending exception, interrupt, NMI, SMI state.</summary>
[StructLayout(LayoutKind.Explicit, Size = 64)]
internal struct kvm_vcpu_events
{
    [FieldOffset(0)] public byte exception_injected;
    [FieldOffset(1)] public byte exception_nr;
    [FieldOffset(2)] public byte exception_has_error_code;
    [FieldOffset(3)] public byte exception_pending;
    [FieldOffset(4)] public uint exception_error_code;
    [FieldOffset(8)] public byte interrupt_injected;
    [FieldOffset(9)] public byte interrupt_nr;
    [FieldOffset(10)] public byte interrupt_soft;
    [FieldOffset(11)] public byte interrupt_shadow;
    [FieldOffset(12)] public byte nmi_injected;
    [FieldOffset(13)] public byte nmi_pending;
    [FieldOffset(14)] public byte nmi_masked;
    [FieldOffset(16)] public uint sipi_vector;
    [FieldOffset(20)] public uint flags;
    [FieldOffset(24)] public byte smi_smm;
    [FieldOffset(55)] public byte exception_has_payload;
    [FieldOffset(56)] public ulong exception_payload;
}

using System.Runtime.InteropServices;

namespace Vmm.Kvm.Interop.Types;

/// <summary>
/// struct kvm_run: the vCPU's shared page (mmap'd from the vCPU fd). Only the header, the exit-union
/// members the VMM uses and the sync-regs area are named; offsets pinned by KvmLayoutTests.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 2352)]
internal struct kvm_run
{
    [FieldOffset(0)] public byte request_interrupt_window;
    [FieldOffset(1)] public byte immediate_exit;
    [FieldOffset(8)] public uint exit_reason;
    [FieldOffset(12)] public byte ready_for_interrupt_injection;
    [FieldOffset(13)] public byte if_flag;
    [FieldOffset(14)] public ushort flags;
    [FieldOffset(16)] public ulong cr8;
    [FieldOffset(24)] public ulong apic_base;

    [FieldOffset(32)] public kvm_run_io io;
    [FieldOffset(32)] public kvm_run_mmio mmio;
    [FieldOffset(32)] public kvm_run_msr msr;
    [FieldOffset(32)] public kvm_run_internal @internal;
    [FieldOffset(32)] public kvm_run_fail_entry fail_entry;
    [FieldOffset(32)] public kvm_run_system_event system_event;

    [FieldOffset(288)] public ulong kvm_valid_regs;
    [FieldOffset(296)] public ulong kvm_dirty_regs;
    [FieldOffset(304)] public kvm_sync_regs s;
}

/// <summary>kvm_run.io (KVM_EXIT_IO): the data lives at (byte*)run + data_offset.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct kvm_run_io
{
    public byte direction;
    public byte size;
    public ushort port;
    public uint count;
    public ulong data_offset;
}

/// <summary>kvm_run.mmio (KVM_EXIT_MMIO).</summary>
[StructLayout(LayoutKind.Explicit, Size = 24)]
internal unsafe struct kvm_run_mmio
{
    [FieldOffset(0)] public ulong phys_addr;
    [FieldOffset(8)] public fixed byte data[8];
    [FieldOffset(16)] public uint len;
    [FieldOffset(20)] public byte is_write;
}

/// <summary>kvm_run.msr (KVM_EXIT_X86_RDMSR / WRMSR).</summary>
[StructLayout(LayoutKind.Explicit, Size = 24)]
internal struct kvm_run_msr
{
    [FieldOffset(0)] public byte error;
    [FieldOffset(8)] public uint reason;
    [FieldOffset(12)] public uint index;
    [FieldOffset(16)] public ulong data;
}

/// <summary>kvm_run.internal (KVM_EXIT_INTERNAL_ERROR).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct kvm_run_internal
{
    public uint suberror;
    public uint ndata;
    public fixed ulong data[16];
}

/// <summary>kvm_run.fail_entry (KVM_EXIT_FAIL_ENTRY).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct kvm_run_fail_entry
{
    public ulong hardware_entry_failure_reason;
    public uint cpu;
}

/// <summary>kvm_run.system_event (KVM_EXIT_SYSTEM_EVENT).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct kvm_run_system_event
{
    public uint type;
    public uint ndata;
    public fixed ulong data[16];
}

namespace Vmm.Core.Memory;

/// <summary>
/// Where a machine's RAM goes in guest-physical space: from 0 up to the 32-bit device hole, and what does not
/// fit below it from 4 GiB. The hole, [<see cref="DeviceHoleStart"/>, 4 GiB), holds the platform's fixed GPAs
/// (the KVM scratch slot 0xFEA00000, the steal-time area 0xFEB00000, the I/O APIC 0xFEC00000, the local APIC
/// 0xFEE00000, the VMX real-mode TSS 0xFFFBD000), which RAM must never cover.
/// </summary>
public static class GuestRamLayout
{
    /// <summary>The lowest fixed device GPA: RAM below 4 GiB stops here.</summary>
    public const ulong DeviceHoleStart = 0xFEA0_0000;

    /// <summary>4 GiB: RAM past the hole resumes here.</summary>
    public const ulong DeviceHoleEnd = 1UL << 32;

    /// <summary>The RAM ranges (start, size) of a machine with <paramref name="size"/> bytes of RAM.</summary>
    public static IReadOnlyList<(ulong Start, ulong Size)> Ranges(ulong size) =>
        size <= DeviceHoleStart ? [(0, size)] : [(0, DeviceHoleStart), (DeviceHoleEnd, size - DeviceHoleStart)];
}

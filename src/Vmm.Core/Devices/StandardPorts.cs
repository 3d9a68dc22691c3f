namespace Vmm.Core.Devices;

/// <summary>The port-I/O map of a vmm machine. The hypercall port is reserved: no device may claim it.</summary>
public static class StandardPorts
{
    /// <summary>COM1, a 16550 UART (8 ports), IRQ 4.</summary>
    public const ushort Com1 = 0x3F8;

    /// <summary>COM1's ISA interrupt line.</summary>
    public const uint Com1Irq = 4;

    /// <summary>Guest exit device (ports 0x500-0x503): a 1-, 2- or 4-byte OUT to 0x500 ends the VM with that status (0 = pass).</summary>
    public const ushort GuestExit = 0x500;

    /// <summary>Benchmark counter (ports 0x504-0x507): every OUT to 0x504 is counted and timestamped (`vmm bench exits`).</summary>
    public const ushort BenchCounter = 0x504;

    /// <summary>
    /// Reserved for the KVM hypercall page stub (`out imm8, al; ret`, docs/design.md#hypercall-transport): must be below 256
    /// for the imm8 form and must not be claimed by any device.
    /// </summary>
    public const ushort Hypercall = 0xE8;
}

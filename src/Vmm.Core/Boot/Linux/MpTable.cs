using System.Buffers.Binary;

namespace Vmm.Core.Boot.Linux;

/// <summary>
/// Builds the Intel MultiProcessor Specification 1.4 tables that tell a guest without ACPI its CPUs and its
/// interrupt routing: an MP floating pointer structure followed by an MP configuration table.
/// </summary>
/// <remarks>
/// Contents, each for a reason: one processor entry per vCPU (APIC id = vCPU index, vCPU 0 the BSP), an ISA
/// bus, one I/O APIC at 0xFEC00000, I/O interrupt entries ISA IRQ i → I/O APIC pin i for i = 0..23 (KVM's
/// default GSI routing is the identity, <c>kvm_setup_default_irq_routing</c>, so the in-kernel PIT on GSI 0
/// arrives on pin 0), ExtINT on LINT0 and NMI on LINT1 of every local APIC (MP spec 1.4 §5.1, the virtual
/// wire mode). Linux accepts the table if the signatures, checksums, spec revision (1 or 4) and entry sizes
/// are right and the local APIC address is non-zero (arch/x86/kernel/mpparse.c <c>smp_check_mpc</c>,
/// <c>smp_read_mpc</c>; layout in arch/x86/include/asm/mpspec_def.h).
/// </remarks>
public static class MpTable
{
    /// <summary>Size of the floating pointer structure.</summary>
    public const int FloatingPointerSize = 16;

    /// <summary>Size of the configuration table header.</summary>
    public const int HeaderSize = 44;

    /// <summary>Processor entry size.</summary>
    public const int ProcessorEntrySize = 20;

    /// <summary>Size of every other entry type (bus, I/O APIC, I/O interrupt, local interrupt).</summary>
    public const int SmallEntrySize = 8;

    /// <summary>I/O APIC input pins (KVM's in-kernel I/O APIC has 24, KVM_IOAPIC_NUM_PINS).</summary>
    public const int IoApicPins = 24;

    /// <summary>Local APIC base address (SDM Vol. 3 §11.4.1, reset value of IA32_APIC_BASE).</summary>
    public const uint LocalApicAddress = 0xFEE0_0000;

    /// <summary>I/O APIC base address.</summary>
    public const uint IoApicAddress = 0xFEC0_0000;

    /// <summary>MP specification revision 1.4.</summary>
    public const byte SpecRevision = 4;

    // Entry types (MP spec table 4-3).
    internal const byte ProcessorEntry = 0;
    internal const byte BusEntry = 1;
    internal const byte IoApicEntry = 2;
    internal const byte IoInterruptEntry = 3;
    internal const byte LocalInterruptEntry = 4;

    // Interrupt types (MP spec table 4-8).
    internal const byte InterruptInt = 0;
    internal const byte InterruptNmi = 1;
    internal const byte InterruptExtInt = 3;

    /// <summary>Bytes the tables take for <paramref name="processors"/> vCPUs.</summary>
    public static int Size(int processors) => FloatingPointerSize + HeaderSize + (processors * ProcessorEntrySize) + (SmallEntrySize * (2 + IoApicPins + 2));

    /// <summary>The floating pointer at <paramref name="address"/> followed by the configuration table.</summary>
    /// <param name="processors">vCPUs, 1 to <see cref="LinuxBootLayout.MaxProcessors"/>.</param>
    /// <param name="address">Guest-physical address the bytes are written to (the floating pointer names the table by address).</param>
    public static byte[] Build(int processors, uint address)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(processors, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(processors, LinuxBootLayout.MaxProcessors);
        byte ioApicId = (byte)(processors + 1);   // distinct from every local APIC id
        var bytes = new byte[Size(processors)];
        Span<byte> fp = bytes.AsSpan(0, FloatingPointerSize);
        Span<byte> table = bytes.AsSpan(FloatingPointerSize);

        int at = HeaderSize;
        int count = 0;
        for (int i = 0; i < processors; i++)
        {
            Span<byte> e = table.Slice(at, ProcessorEntrySize);
            e[0] = ProcessorEntry;
            e[1] = (byte)i;                                    // local APIC id
            e[2] = 0x14;                                       // local APIC version (integrated APIC)
            e[3] = (byte)(i == 0 ? 0x3 : 0x1);                 // CPU flags: EN, and BP for vCPU 0
            BinaryPrimitives.WriteUInt32LittleEndian(e[4..], 0x600);    // CPU signature: family 6
            BinaryPrimitives.WriteUInt32LittleEndian(e[8..], 0x201);    // feature flags: FPU, APIC
            at += ProcessorEntrySize;
            count++;
        }

        Span<byte> bus = table.Slice(at, SmallEntrySize);
        bus[0] = BusEntry;
        bus[1] = 0;                                            // bus id
        "ISA   "u8.CopyTo(bus[2..]);
        at += SmallEntrySize;
        count++;

        Span<byte> ioapic = table.Slice(at, SmallEntrySize);
        ioapic[0] = IoApicEntry;
        ioapic[1] = ioApicId;
        ioapic[2] = 0x11;                                      // I/O APIC version
        ioapic[3] = 0x1;                                       // flags: EN (usable)
        BinaryPrimitives.WriteUInt32LittleEndian(ioapic[4..], IoApicAddress);
        at += SmallEntrySize;
        count++;

        for (int irq = 0; irq < IoApicPins; irq++)
        {
            WriteInterrupt(table.Slice(at, SmallEntrySize), IoInterruptEntry, InterruptInt, (byte)irq, ioApicId, (byte)irq);
            at += SmallEntrySize;
            count++;
        }

        WriteInterrupt(table.Slice(at, SmallEntrySize), LocalInterruptEntry, InterruptExtInt, 0, 0xFF, 0);   // LINT0 of every local APIC
        at += SmallEntrySize;
        WriteInterrupt(table.Slice(at, SmallEntrySize), LocalInterruptEntry, InterruptNmi, 0, 0xFF, 1);      // LINT1
        at += SmallEntrySize;
        count += 2;

        "PCMP"u8.CopyTo(table);
        BinaryPrimitives.WriteUInt16LittleEndian(table[4..], (ushort)at);   // base table length
        table[6] = SpecRevision;
        "VMM     "u8.CopyTo(table[8..]);                                   // OEM id, 8 bytes
        "VMM MPTABLE "u8.CopyTo(table[16..]);                              // product id, 12 bytes
        BinaryPrimitives.WriteUInt16LittleEndian(table[34..], (ushort)count);
        BinaryPrimitives.WriteUInt32LittleEndian(table[36..], LocalApicAddress);
        table[7] = Checksum(table[..at]);

        "_MP_"u8.CopyTo(fp);
        BinaryPrimitives.WriteUInt32LittleEndian(fp[4..], address + FloatingPointerSize);   // physical address of the table
        fp[8] = 1;                                             // length in 16-byte units
        fp[9] = SpecRevision;
        fp[10] = Checksum(fp);                                 // feature bytes stay 0: a table is present
        return bytes;
    }

    /// <summary>The byte that makes <paramref name="bytes"/> (with it zero) sum to 0 modulo 256.</summary>
    internal static byte Checksum(ReadOnlySpan<byte> bytes)
    {
        int sum = 0;
        foreach (byte b in bytes)
        {
            sum += b;
        }

        return (byte)(-sum & 0xFF);
    }

    private static void WriteInterrupt(Span<byte> e, byte entryType, byte interruptType, byte sourceIrq, byte destinationApic, byte destinationPin)
    {
        e[0] = entryType;
        e[1] = interruptType;
        BinaryPrimitives.WriteUInt16LittleEndian(e[2..], 0);   // polarity and trigger: conform to the bus
        e[4] = 0;                                              // source bus: ISA
        e[5] = sourceIrq;
        e[6] = destinationApic;
        e[7] = destinationPin;
    }
}

using System.Buffers.Binary;
using Vmm.Core.Devices;
using Vmm.Core.Memory;
using Vmm.Core.Registers;

namespace Vmm.Core.Boot.X86;

/// <summary>
/// Builds the 64-bit environment the VMM hands built-in guests and test kernels: identity-mapped paging
/// with 2 MiB pages, a GDT with kernel and user segments and one TSS per vCPU, an IDT whose every gate
/// points at a stub that reports the vector through the exit port, and per-vCPU stacks.
/// </summary>
/// <remarks>
/// Entry state of vCPU i (the documented protocol, also in the README): CPL 0, 64-bit mode, paging on
/// (CR0 = PE|MP|ET|NE|WP|AM|PG, CR4 = PAE|PGE|OSFXSR|OSXMMEXCPT, EFER = LME|LMA), interrupts off,
/// RIP = entry, RSP = top of i's kernel stack, RDI = i, RSI = vCPU count, RDX = COM1 base (0x3F8),
/// RCX = exit port (0x500), R8 = top of i's user stack, other GPRs 0.
/// </remarks>
public sealed class LongModeEnvironment
{
    private const ulong PageTableFlags = 0x7;       // P | RW | US: CPL3 code may use every mapping.
    private const ulong LargePageFlags = 0x87;      // P | RW | US | PS (2 MiB page, SDM Vol. 3 §4.5).

    private readonly GuestMemory _memory;

    private LongModeEnvironment(GuestMemory memory, int processorCount, ulong memorySize)
    {
        _memory = memory;
        ProcessorCount = processorCount;
        MemorySize = memorySize;
    }

    /// <summary>Number of vCPUs laid out.</summary>
    public int ProcessorCount { get; }

    /// <summary>Bytes of RAM at GPA 0 the environment uses.</summary>
    public ulong MemorySize { get; }

    /// <summary>Writes page tables, GDT, IDT, TSSs and stubs into <paramref name="memory"/>.</summary>
    /// <exception cref="ArgumentException">Too little RAM at GPA 0 or too many vCPUs.</exception>
    public static LongModeEnvironment Build(GuestMemory memory, int processorCount)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentOutOfRangeException.ThrowIfLessThan(processorCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(processorCount, LongModeLayout.MaxProcessors);
        GuestMemoryRegion low = memory.Regions[0];
        if (low.GuestPhysicalAddress != 0 || low.Size < LongModeLayout.MinimumMemory)
        {
            throw new ArgumentException($"The long-mode environment needs at least {LongModeLayout.MinimumMemory >> 20} MiB of RAM at GPA 0.", nameof(memory));
        }

        var env = new LongModeEnvironment(memory, processorCount, low.Size);
        env.WritePageTables();
        env.WriteGdtAndTss();
        env.WriteIdtAndStubs();
        return env;
    }

    /// <summary>First GPA the guest image must not reach: the bottom of the stack blocks.</summary>
    public ulong ImageLimit => LongModeLayout.StacksBottom(MemorySize, ProcessorCount);

    /// <summary>Points IDT gate <paramref name="vector"/> at <paramref name="handler"/> (an interrupt gate, IST 0).</summary>
    /// <param name="vector">The vector.</param>
    /// <param name="handler">Handler address (identity-mapped, so GPA = VA).</param>
    /// <param name="dpl">Gate DPL: 3 lets CPL3 code reach it with INT n (SDM Vol. 3 §6.12.1.1).</param>
    public void SetInterruptGate(byte vector, ulong handler, int dpl = 0)
    {
        Span<byte> gate = _memory.GetSpan(LongModeLayout.Idt + (vector * 16UL), 16);
        // #DF always runs on its own stack (IST field, bits 34:32; SDM Vol. 3 §6.14.1 and §6.14.5), whoever's handler
        // it is, so that a double fault caused by a bad stack is delivered and reported instead of shutting down.
        ulong ist = vector == X86Constants.VectorDoubleFault ? (ulong)LongModeLayout.DoubleFaultIst : 0;
        ulong low = (handler & 0xFFFF)
            | ((ulong)LongModeLayout.KernelCodeSelector << 16)
            | (ist << 32)
            | ((0x8EUL | ((ulong)(dpl & 3) << 5)) << 40)   // P=1, type 0xE (64-bit interrupt gate)
            | (((handler >> 16) & 0xFFFF) << 48);
        BinaryPrimitives.WriteUInt64LittleEndian(gate, low);
        BinaryPrimitives.WriteUInt64LittleEndian(gate[8..], handler >> 32);
    }

    /// <summary>The entry state of vCPU <paramref name="processor"/>, starting at <paramref name="entry"/>.</summary>
    public VcpuBootState GetBootState(int processor, ulong entry, in SpecialRegisters platformDefaults)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(processor);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(processor, ProcessorCount);
        var regs = new StandardRegisters
        {
            Rip = entry,
            Rsp = LongModeLayout.KernelStackTop(MemorySize, processor),
            Rdi = (ulong)processor,
            Rsi = (ulong)ProcessorCount,
            Rdx = StandardPorts.Com1,
            Rcx = StandardPorts.GuestExit,
            R8 = LongModeLayout.UserStackTop(MemorySize, processor),
            Rflags = X86Constants.RflagsReserved1,
        };

        SpecialRegisters s = platformDefaults;
        s.Cs = new SegmentRegister
        {
            Selector = LongModeLayout.KernelCodeSelector, Limit = 0xFFFF_FFFF, Type = 0xB, Present = true,
            NonSystem = true, Long = true, Granularity = true,
        };
        var data = new SegmentRegister
        {
            Selector = LongModeLayout.KernelDataSelector, Limit = 0xFFFF_FFFF, Type = 0x3, Present = true,
            NonSystem = true, DefaultBig = true, Granularity = true,
        };
        s.Ds = data;
        s.Es = data;
        s.Fs = data;
        s.Gs = data;
        s.Ss = data;
        s.Tr = new SegmentRegister
        {
            Selector = LongModeLayout.TssSelector(processor), Base = LongModeLayout.TssAddress(processor),
            Limit = 0x67, Type = 0xB, Present = true,
        };
        s.Gdt = new TableRegister { Base = LongModeLayout.Gdt, Limit = (ushort)(GdtSize - 1) };
        s.Idt = new TableRegister { Base = LongModeLayout.Idt, Limit = (256 * 16) - 1 };
        s.Cr0 = X86Constants.Cr0ProtectionEnable | X86Constants.Cr0MonitorCoprocessor | X86Constants.Cr0ExtensionType | X86Constants.Cr0NumericError
            | X86Constants.Cr0WriteProtect | X86Constants.Cr0AlignmentMask | X86Constants.Cr0Paging;
        s.Cr3 = LongModeLayout.Pml4;
        s.Cr4 = X86Constants.Cr4Pae | X86Constants.Cr4Pge | X86Constants.Cr4Osfxsr | X86Constants.Cr4Osxmmexcpt;
        s.Efer = X86Constants.EferLongModeEnable | X86Constants.EferLongModeActive;
        return new VcpuBootState(regs, s);
    }

    private int GdtSize => LongModeLayout.FirstTssSelector + (16 * ProcessorCount);

    private void WritePageTables()
    {
        ulong mapped = Math.Min(Math.Max(MemorySize, 4UL << 30), LongModeLayout.MaxIdentityMappedBytes);
        int directories = (int)((mapped + (1UL << 30) - 1) >> 30);
        _memory.GetSpan(LongModeLayout.Pml4, 0x1000).Clear();
        _memory.GetSpan(LongModeLayout.Pdpt, 0x1000).Clear();
        _memory.Write(LongModeLayout.Pml4, LongModeLayout.Pdpt | PageTableFlags);
        for (int d = 0; d < directories; d++)
        {
            ulong pd = LongModeLayout.PageDirectories + ((ulong)d * 0x1000);
            _memory.Write(LongModeLayout.Pdpt + ((ulong)d * 8), pd | PageTableFlags);
            Span<byte> entries = _memory.GetSpan(pd, 0x1000);
            for (int e = 0; e < 512; e++)
            {
                ulong address = ((ulong)d << 30) | ((ulong)e << 21);
                BinaryPrimitives.WriteUInt64LittleEndian(entries[(e * 8)..], address | LargePageFlags);
            }
        }
    }

    private void WriteGdtAndTss()
    {
        Span<byte> gdt = _memory.GetSpan(LongModeLayout.Gdt, 0x2000);
        gdt.Clear();
        // Descriptor encodings per SDM Vol. 3 §3.4.5: limit 0xFFFFF with G=1; access byte P|DPL|S|type.
        BinaryPrimitives.WriteUInt64LittleEndian(gdt[0x08..], 0x00AF_9B00_0000_FFFF); // kernel code: L=1, DPL0, type 0xB
        BinaryPrimitives.WriteUInt64LittleEndian(gdt[0x10..], 0x00CF_9300_0000_FFFF); // kernel data: D/B=1, DPL0, type 0x3
        BinaryPrimitives.WriteUInt64LittleEndian(gdt[0x18..], 0x00CF_F300_0000_FFFF); // user data: DPL3
        BinaryPrimitives.WriteUInt64LittleEndian(gdt[0x20..], 0x00AF_FB00_0000_FFFF); // user code: L=1, DPL3
        BinaryPrimitives.WriteUInt64LittleEndian(gdt[0x28..], 0x00CF_9B00_0000_FFFF); // kernel code, 32-bit: D=1, L=0
        for (int i = 0; i < ProcessorCount; i++)
        {
            ulong tss = LongModeLayout.TssAddress(i);
            const ulong limit = 0x67;
            // 64-bit TSS descriptor (16 bytes, SDM Vol. 3 §8.2.3), type 0xB (busy, as TR is loaded directly).
            ulong low = (limit & 0xFFFF) | ((tss & 0xFF_FFFF) << 16) | (0x8BUL << 40) | (((limit >> 16) & 0xF) << 48) | (((tss >> 24) & 0xFF) << 56);
            int at = LongModeLayout.TssSelector(i);
            BinaryPrimitives.WriteUInt64LittleEndian(gdt[at..], low);
            BinaryPrimitives.WriteUInt64LittleEndian(gdt[(at + 8)..], tss >> 32);

            // RSP0: the stack the CPU switches to on an interrupt or exception from CPL3. I/O map base beyond
            // the limit: no I/O bitmap, so CPL3 port access is governed by IOPL alone.
            Span<byte> t = _memory.GetSpan(tss, (int)LongModeLayout.TssStride);
            t.Clear();
            BinaryPrimitives.WriteUInt64LittleEndian(t[4..], LongModeLayout.KernelStackTop(MemorySize, i));
            // IST1 (offset 0x24, SDM Vol. 3 Figure 8-11): the double-fault stack the #DF gate names.
            BinaryPrimitives.WriteUInt64LittleEndian(t[(0x1C + (8 * LongModeLayout.DoubleFaultIst))..], LongModeLayout.DoubleFaultStackTop(MemorySize, i));
            BinaryPrimitives.WriteUInt16LittleEndian(t[0x66..], 0x68);
        }
    }

    private void WriteIdtAndStubs()
    {
        Span<byte> stubs = _memory.GetSpan(LongModeLayout.InterruptStubs, 256 * 16);
        for (int v = 0; v < 256; v++)
        {
            Span<byte> stub = stubs.Slice(v * 16, 16);
            stub.Fill(0x90); // nop padding
            uint status = GuestExitStatus.UnexpectedVectorBase | (uint)v;
            stub[0] = 0xB8;                                                  // mov eax, imm32
            BinaryPrimitives.WriteUInt32LittleEndian(stub[1..], status);
            stub[5] = 0x66;                                                  // mov dx, imm16
            stub[6] = 0xBA;
            BinaryPrimitives.WriteUInt16LittleEndian(stub[7..], StandardPorts.GuestExit);
            stub[9] = 0xEF;                                                  // out dx, eax
            stub[10] = 0xF4;                                                 // hlt
            stub[11] = 0xEB;                                                 // jmp $-3 (back to hlt)
            stub[12] = 0xFD;
            SetInterruptGate((byte)v, LongModeLayout.InterruptStubs + ((ulong)v * 16));
        }
    }
}

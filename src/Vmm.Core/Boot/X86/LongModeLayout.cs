namespace Vmm.Core.Boot.X86;

/// <summary>
/// Where the VMM-built long-mode environment lives in guest-physical memory. Everything below
/// <see cref="ImageBase"/> belongs to the VMM; per-vCPU stacks sit at the top of RAM.
/// </summary>
/// <remarks>
/// GPA map: 0x1000 PML4, 0x2000 PDPT, 0x3000-0x12FFF page directories (identity map of up to
/// <see cref="MaxIdentityMappedBytes"/> with 2 MiB pages), 0x13000 GDT (two pages), 0x15000 IDT,
/// 0x16000 the TSS array, 0x1E000 the default interrupt stubs, 0x100000 the guest image.
/// </remarks>
public static class LongModeLayout
{
    /// <summary>PML4 table.</summary>
    public const ulong Pml4 = 0x1000;

    /// <summary>The one page-directory-pointer table (covers 512 GiB).</summary>
    public const ulong Pdpt = 0x2000;

    /// <summary>First page directory; directory i maps GiB i.</summary>
    public const ulong PageDirectories = 0x3000;

    /// <summary>Number of page directories reserved.</summary>
    public const int PageDirectoryCount = 16;

    /// <summary>The identity map covers at most this much: max(RAM, 4 GiB) capped here.</summary>
    public const ulong MaxIdentityMappedBytes = (ulong)PageDirectoryCount << 30;

    /// <summary>GDT (two pages: five fixed descriptors, then one 16-byte TSS descriptor per vCPU).</summary>
    public const ulong Gdt = 0x13000;

    /// <summary>IDT: 256 16-byte gates.</summary>
    public const ulong Idt = 0x15000;

    /// <summary>First TSS; vCPU i's TSS is at <see cref="Tss"/> + i * <see cref="TssStride"/>.</summary>
    public const ulong Tss = 0x16000;

    /// <summary>Distance between per-vCPU TSSs (a 64-bit TSS is 104 bytes).</summary>
    public const ulong TssStride = 0x80;

    /// <summary>The default interrupt stubs, 16 bytes per vector.</summary>
    public const ulong InterruptStubs = 0x1E000;

    /// <summary>Where a built-in guest image is loaded.</summary>
    public const ulong ImageBase = 0x10_0000;

    /// <summary>The most vCPUs this environment lays out.</summary>
    public const int MaxProcessors = 256;

    /// <summary>
    /// Per-vCPU stack block: the upper half is the kernel stack, the lower half the user (CPL3) stack, whose lowest
    /// <see cref="DoubleFaultStackSize"/> bytes are the double-fault stack.
    /// </summary>
    public const ulong StackBlockSize = 0x8000;

    /// <summary>Smallest RAM the environment fits in.</summary>
    public const ulong MinimumMemory = 16UL << 20;

    /// <summary>Kernel code selector (GDT entry 1): 64-bit, DPL 0.</summary>
    public const ushort KernelCodeSelector = 0x08;

    /// <summary>Kernel data selector (GDT entry 2).</summary>
    public const ushort KernelDataSelector = 0x10;

    /// <summary>User data selector (GDT entry 3, RPL 3).</summary>
    public const ushort UserDataSelector = 0x1B;

    /// <summary>User code selector (GDT entry 4, RPL 3): 64-bit, DPL 3.</summary>
    public const ushort UserCodeSelector = 0x23;

    /// <summary>
    /// Kernel 32-bit code selector (GDT entry 5): D=1, L=0, DPL 0. Lets a guest run in compatibility mode, e.g. to
    /// check that a hypercall from outside 64-bit mode is refused.
    /// </summary>
    public const ushort KernelCode32Selector = 0x28;

    /// <summary>Offset of the first TSS descriptor in the GDT.</summary>
    public const int FirstTssSelector = 0x30;

    /// <summary>vCPU i's TSS selector.</summary>
    public static ushort TssSelector(int processor) => (ushort)(FirstTssSelector + (16 * processor));

    /// <summary>vCPU i's TSS address.</summary>
    public static ulong TssAddress(int processor) => Tss + ((ulong)processor * TssStride);

    /// <summary>Top (exclusive, 16-byte aligned) of vCPU i's kernel stack.</summary>
    public static ulong KernelStackTop(ulong memorySize, int processor) => memorySize - ((ulong)processor * StackBlockSize);

    /// <summary>Top (exclusive, 16-byte aligned) of vCPU i's user stack.</summary>
    public static ulong UserStackTop(ulong memorySize, int processor) => KernelStackTop(memorySize, processor) - (StackBlockSize / 2);

    /// <summary>
    /// Bytes at the bottom of each vCPU's stack block (below its user stack) that are the double-fault stack: the
    /// TSS's IST1, which the #DF gate always names (<see cref="DoubleFaultIst"/>).
    /// </summary>
    public const ulong DoubleFaultStackSize = 0x800;

    /// <summary>
    /// The interrupt-stack-table slot of the #DF gate. A double fault that comes from a bad stack (a fault while an
    /// exception is pushed) would fault again on that stack and shut the vCPU down; on a stack of its own it is
    /// delivered and reported (SDM Vol. 3 §6.14.5, "Interrupt Stack Table"; Linux gives #DF an IST stack for the same
    /// reason, arch/x86/include/asm/page_64_types.h).
    /// </summary>
    public const int DoubleFaultIst = 1;

    /// <summary>Top (exclusive, 16-byte aligned) of vCPU i's double-fault stack.</summary>
    public static ulong DoubleFaultStackTop(ulong memorySize, int processor) =>
        KernelStackTop(memorySize, processor) - StackBlockSize + DoubleFaultStackSize;

    /// <summary>Lowest stack address used with <paramref name="processors"/> vCPUs: the image must end below it.</summary>
    public static ulong StacksBottom(ulong memorySize, int processors) => memorySize - ((ulong)processors * StackBlockSize);
}

using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Vmm.Core.Hypervisor;
using Vmm.Core.Memory;
using Vmm.Kvm.Interop;
using Vmm.Kvm.Interop.Types;
using static Vmm.Kvm.Interop.Interop;

namespace Vmm.Kvm;

/// <summary>A KVM VM: memory slots, the in-kernel irqchip, userspace MSR exits and the vCPUs.</summary>
[SupportedOSPlatform("linux")]
internal sealed unsafe class KvmPartition : IPartition
{
    // Intel VMX needs three pages for the real-mode TSS below 4 GiB (api.rst KVM_SET_TSS_ADDR); QEMU's
    // choice of address sits just below the BIOS area, which no guest of ours uses as RAM.
    private const ulong TssAddress = 0xFFFB_D000;

    private readonly KvmFileDescriptor _vm;
    private readonly KvmVirtualProcessor[] _processors;
    private const ulong ScratchGpa = 0xFEA0_0000;

    private readonly Lock _scratchLock = new();
    private bool _disposed;
    private ulong _stealTimeSize;
    private nint _scratchArea;
    private uint _scratchSlot;
    private ulong _scratchGpa;

    public KvmPartition(KvmHypervisor hypervisor, PartitionOptions options)
    {
        if (options.ProcessorCount < 1 || options.ProcessorCount > hypervisor.Capabilities.MaxProcessorCount)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"KVM here supports 1 to {hypervisor.Capabilities.MaxProcessorCount} vCPUs, not {options.ProcessorCount}.");
        }

        if (options.PlatformTlbFlush)
        {
            throw new HypervisorUnavailableException("KVM on this host has no in-kernel Hyper-V to serve the flush hypercalls: the hypervisor flush mode needs the whp backend");
        }

        Memory = options.Memory;
        int fd = KvmFileDescriptor.Check(Libc.Ioctl(hypervisor.Fd, KvmIoctl.KVM_CREATE_VM, 0), "KVM_CREATE_VM");
        _vm = new KvmFileDescriptor(fd);
        _processors = new KvmVirtualProcessor[options.ProcessorCount];
        try
        {
            if (hypervisor.CheckExtension(KvmConstants.KVM_CAP_SET_TSS_ADDR) > 0)
            {
                KvmFileDescriptor.Check(Libc.Ioctl(_vm.Fd, KvmIoctl.KVM_SET_TSS_ADDR, unchecked((nint)TssAddress)), "KVM_SET_TSS_ADDR");
            }

            // The in-kernel LAPIC/IOAPIC/PIC: HLT blocks in the kernel, and interrupts are delivered without
            // a userspace round trip (api.rst KVM_CREATE_IRQCHIP).
            KvmFileDescriptor.Check(Libc.Ioctl(_vm.Fd, KvmIoctl.KVM_CREATE_IRQCHIP, 0), "KVM_CREATE_IRQCHIP");
            if (options.CreatePit)
            {
                // The in-kernel 8254 on GSI 0, with port 0x61 a dummy speaker (api.rst KVM_CREATE_PIT2): Linux
                // calibrates the TSC and LAPIC timer with it when nothing tells it their frequencies.
                var pit = new kvm_pit_config { flags = KvmConstants.KVM_PIT_SPEAKER_DUMMY };
                // SAFETY: pit is a local the kernel reads during the call.
                KvmFileDescriptor.Check(Libc.Ioctl(_vm.Fd, KvmIoctl.KVM_CREATE_PIT2, &pit), "KVM_CREATE_PIT2");
            }

            MapMemory(options.Memory);
            MapStealTimeArea(options.Memory, options.ProcessorCount);
            MapScratchSlot(options.Memory);
            EnableUserspaceMsrs(hypervisor, options.UserspaceMsrRanges);
            for (int i = 0; i < _processors.Length; i++)
            {
                VcpuStartMode start = i < options.StartModes.Count ? options.StartModes[i] : VcpuStartMode.Running;
                _processors[i] = new KvmVirtualProcessor(hypervisor, this, i, options.Cpuid, options.EnableHypercalls, start);
            }

            TscFrequencyHz = _processors[0].GetTscKhz() * 1000;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public GuestMemory Memory { get; }

    /// <summary>
    /// GPA of the steal-time area (64 bytes per vCPU), or 0 when none could be placed. A page of its own, in its own
    /// memslot above RAM: the VMM reserves it, never reports it as RAM and never unmaps it while the VM lives
    /// (docs/design.md#tlb-flush-engine, docs/tlb-flush.md#deferral-rules rule 3), so KVM can always write it and a guest never allocates it.
    /// </summary>
    internal ulong StealTimeGpa { get; private set; }

    /// <summary>Host address of the steal-time area.</summary>
    internal nint StealTimeArea { get; private set; }

    public IReadOnlyList<IVirtualProcessor> Processors => _processors;

    public ReadOnlySpan<byte> HypercallPageCode => KvmHypercallIo.PageCode;

    public ulong TscFrequencyHz { get; private set; }

    // KVM's in-kernel LAPIC timer ticks once per nanosecond (APIC_BUS_CYCLE_NS = 1 in arch/x86/kvm/lapic.h,
    // the default of KVM_CAP_X86_APIC_BUS_CYCLES_NS), and vmm does not change it.
    public ulong ApicTimerFrequencyHz => 1_000_000_000;

    internal int Fd => _vm.Fd;

    public void SetIrqLine(uint irq, bool level)
    {
        var line = new kvm_irq_level { irq = irq, level = level ? 1u : 0u };
        // SAFETY: line is a local of the size the ioctl number encodes.
        _ = Libc.Ioctl(_vm.Fd, KvmIoctl.KVM_IRQ_LINE, &line);
    }

    public void SendFixedInterrupt(int processorIndex, byte vector) =>
        _ = SignalMsi(processorIndex, vector); // fixed delivery, edge (SDM Vol. 3 §11.11)

    /// <summary>
    /// Test hook: INIT then STARTUP with <paramref name="vector"/> to a vCPU, what a guest's bootstrap processor sends
    /// to start an application processor (SDM Vol. 3 §8.4.4), delivered by the in-kernel LAPIC like any MSI.
    /// </summary>
    internal (int Init, int Startup) SendInitAndStartup(int processorIndex, byte vector) =>
        (SignalMsi(processorIndex, 0b101u << 8),           // delivery mode INIT
         SignalMsi(processorIndex, (0b110u << 8) | vector)); // delivery mode StartUp, the vector names the start page

    private int SignalMsi(int processorIndex, uint data)
    {
        // An MSI to the LAPIC with APIC ID = vCPU index (SDM Vol. 3 §11.11.1 address, §11.11.2 data). KVM returns how
        // many LAPICs took it (api.rst KVM_SIGNAL_MSI).
        var msi = new kvm_msi { address_lo = 0xFEE0_0000u | ((uint)processorIndex << 12), data = data };
        // SAFETY: msi is a local of the size the ioctl number encodes.
        return Libc.Ioctl(_vm.Fd, KvmIoctl.KVM_SIGNAL_MSI, &msi);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (KvmVirtualProcessor? vp in _processors)
        {
            vp?.Dispose();
        }

        _vm.Dispose();
        if (_scratchArea != 0)
        {
            // SAFETY: mapped in MapScratchSlot; the VM is closed.
            _ = Libc.Munmap(_scratchArea, 0x1000);
            _scratchArea = 0;
        }

        if (StealTimeArea != 0)
        {
            // SAFETY: mapped in MapStealTimeArea with this size; the VM (and every vCPU) is closed.
            _ = Libc.Munmap(StealTimeArea, (nuint)_stealTimeSize);
            StealTimeArea = 0;
        }
    }

    private void MapStealTimeArea(GuestMemory memory, int processors)
    {
        // Just below the IOAPIC window (0xFEC00000): unused by our machines, and outside RAM unless RAM reaches
        // past 4 GiB, in which case the CR4.PGE toggle fallback is used instead.
        const ulong gpa = 0xFEB0_0000;
        ulong size = (((ulong)processors * 64) + 0xFFF) & ~0xFFFUL;
        if (memory.Regions.Any(r => gpa < r.End && r.GuestPhysicalAddress < gpa + size))
        {
            return;
        }

        nint area = Libc.Mmap(0, (nuint)size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0);
        if (area == Libc.MAP_FAILED)
        {
            return;
        }

        var r = new kvm_userspace_memory_region
        {
            slot = (uint)memory.Regions.Count,
            guest_phys_addr = gpa,
            memory_size = size,
            userspace_addr = (ulong)area,
        };
        // SAFETY: r is a local; the area stays mapped until Dispose, after the VM fd is closed.
        if (Libc.Ioctl(_vm.Fd, KvmIoctl.KVM_SET_USER_MEMORY_REGION, &r) < 0)
        {
            _ = Libc.Munmap(area, (nuint)size);
            return;
        }

        StealTimeGpa = gpa;
        StealTimeArea = area;
        _stealTimeSize = size;
    }

    /// <inheritdoc />
    public bool TryFlushAllGuestTlbs()
    {
        if (_scratchArea == 0)
        {
            return false;
        }

        // Move the scratch slot to its other page (KVM_MR_MOVE): on this shadow-paging KVM, invalidating any memslot
        // zaps every shadow page (kvm_mmu_zap_all_fast) and flushes all vCPUs with KVM's own request, which waits only
        // for vCPUs in guest mode (the measurement in docs/kvm-host.md#memslot-flush was of delete + re-add; a move takes the same invalidation
        // path, kvm_invalidate_memslot, in one ioctl with one SRCU grace period fewer; measured side by side under
        // load, 8 vCPUs: p99 16.0/15.7 ms moving vs 20.0/19.9 ms deleting and re-adding). The slot is never mapped by
        // the guest, so nothing ever faults on it.
        lock (_scratchLock)
        {
            _scratchGpa = _scratchGpa == ScratchGpa ? ScratchGpa + 0x1000 : ScratchGpa;
            var r = new kvm_userspace_memory_region { slot = _scratchSlot, guest_phys_addr = _scratchGpa, memory_size = 0x1000, userspace_addr = (ulong)_scratchArea };
            // SAFETY: r is a local; the area stays mapped until Dispose.
            return Libc.Ioctl(_vm.Fd, KvmIoctl.KVM_SET_USER_MEMORY_REGION, &r) == 0;
        }
    }

    private void MapScratchSlot(GuestMemory memory)
    {
        if (memory.Regions.Any(r => ScratchGpa < r.End && r.GuestPhysicalAddress < ScratchGpa + 0x2000))
        {
            return;
        }

        nint area = Libc.Mmap(0, 0x1000, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0);
        if (area == Libc.MAP_FAILED)
        {
            return;
        }

        uint slot = (uint)memory.Regions.Count + 1;
        var r = new kvm_userspace_memory_region { slot = slot, guest_phys_addr = ScratchGpa, memory_size = 0x1000, userspace_addr = (ulong)area };
        // SAFETY: r is a local; the area stays mapped until Dispose.
        if (Libc.Ioctl(_vm.Fd, KvmIoctl.KVM_SET_USER_MEMORY_REGION, &r) < 0)
        {
            _ = Libc.Munmap(area, 0x1000);
            return;
        }

        _scratchArea = area;
        _scratchSlot = slot;
        _scratchGpa = ScratchGpa;
    }

    private void MapMemory(GuestMemory memory)
    {
        uint slot = 0;
        foreach (GuestMemoryRegion region in memory.Regions)
        {
            var r = new kvm_userspace_memory_region
            {
                slot = slot++,
                guest_phys_addr = region.GuestPhysicalAddress,
                memory_size = region.Size,
                userspace_addr = (ulong)region.Block.Address,
            };
            // SAFETY: r is a local; the block stays mapped for the partition's lifetime (the machine frees
            // memory only after disposing the partition).
            KvmFileDescriptor.Check(Libc.Ioctl(_vm.Fd, KvmIoctl.KVM_SET_USER_MEMORY_REGION, &r), "KVM_SET_USER_MEMORY_REGION");
        }
    }

    private void EnableUserspaceMsrs(KvmHypervisor hypervisor, IReadOnlyList<MsrRange> ranges)
    {
        if (hypervisor.CheckExtension(KvmConstants.KVM_CAP_X86_USER_SPACE_MSR) <= 0)
        {
            if (ranges.Count > 0)
            {
                throw new HypervisorUnavailableException("This KVM cannot send MSR accesses to userspace (KVM_CAP_X86_USER_SPACE_MSR).");
            }

            return;
        }

        // Unknown and invalid MSRs exit to userspace too, so the VMM decides (and logs) instead of KVM
        // silently injecting #GP (api.rst KVM_CAP_X86_USER_SPACE_MSR).
        var cap = new kvm_enable_cap { cap = KvmConstants.KVM_CAP_X86_USER_SPACE_MSR };
        cap.args[0] = KvmConstants.KVM_MSR_EXIT_REASON_INVAL | KvmConstants.KVM_MSR_EXIT_REASON_UNKNOWN | KvmConstants.KVM_MSR_EXIT_REASON_FILTER;
        // SAFETY: cap is a local of the size the ioctl number encodes.
        KvmFileDescriptor.Check(Libc.Ioctl(_vm.Fd, KvmIoctl.KVM_ENABLE_CAP, &cap), "KVM_ENABLE_CAP(KVM_CAP_X86_USER_SPACE_MSR)");
        if (ranges.Count == 0)
        {
            return;
        }

        if (ranges.Count > KvmConstants.KVM_MSR_FILTER_MAX_RANGES)
        {
            throw new ArgumentException($"At most {KvmConstants.KVM_MSR_FILTER_MAX_RANGES} userspace MSR ranges are supported.", nameof(ranges));
        }

        // Deny (bit clear) every MSR in each range: denied accesses exit with KVM_MSR_EXIT_REASON_FILTER, even
        // for MSRs KVM implements itself, e.g. its own Hyper-V MSRs on a CONFIG_KVM_HYPERV kernel.
        var filter = new kvm_msr_filter { flags = KvmConstants.KVM_MSR_FILTER_DEFAULT_ALLOW };
        var bitmaps = new nint[ranges.Count];
        try
        {
            for (int i = 0; i < ranges.Count; i++)
            {
                uint count = ranges[i].Last - ranges[i].First + 1;
                bitmaps[i] = (nint)NativeMemory.AllocZeroed((count + 7) / 8);
                filter.ranges[i] = new kvm_msr_filter_range
                {
                    flags = KvmConstants.KVM_MSR_FILTER_READ | KvmConstants.KVM_MSR_FILTER_WRITE,
                    nmsrs = count,
                    @base = ranges[i].First,
                    bitmap = bitmaps[i],
                };
            }

            // SAFETY: filter is a local; the bitmaps are live native buffers the kernel copies during the call.
            KvmFileDescriptor.Check(Libc.Ioctl(_vm.Fd, KvmIoctl.KVM_X86_SET_MSR_FILTER, &filter), "KVM_X86_SET_MSR_FILTER");
        }
        finally
        {
            foreach (nint b in bitmaps)
            {
                // SAFETY: each non-zero entry came from NativeMemory.AllocZeroed above.
                NativeMemory.Free((void*)b);
            }
        }
    }
}

using System.Runtime.Intrinsics.X86;
using System.Runtime.Versioning;
using Vmm.Core.Hypervisor;
using Vmm.Core.Memory;
using static Vmm.Whp.Interop.WinHvPlatform;

namespace Vmm.Whp;

/// <summary>
/// A WHP partition: properties set before WHvSetupPartition (processor count, xAPIC emulation in the
/// hypervisor, extended exits, CPUID overrides, MSR exits), guest RAM mapped, VPs created.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed unsafe class WhpPartition : IPartition
{
    private readonly SafeWhvPartitionHandle _handle;
    private readonly WhpVirtualProcessor[] _processors;
    private readonly byte[] _hypercallPageCode;
    private readonly bool[] _irqLevels = new bool[256];
    private bool _disposed;

    public WhpPartition(WhpHypervisor hypervisor, PartitionOptions options)
    {
        if (options.ProcessorCount < 1 || options.ProcessorCount > hypervisor.Capabilities.MaxProcessorCount)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"WHP here supports 1 to {hypervisor.Capabilities.MaxProcessorCount} vCPUs, not {options.ProcessorCount}.");
        }

        if (options.CreatePit || options.StartModes.Any(m => m == VcpuStartMode.WaitForStartup))
        {
            // Not built yet on WHP: APs waiting for INIT/SIPI and a PIT (what Linux guests need).
            throw new HypervisorUnavailableException("Linux guests are not supported on the whp backend yet (no wait-for-SIPI start, no PIT)");
        }

        Memory = options.Memory;
        _hypercallPageCode = HostHypercallPageCode();
        WhpResult.ThrowIfFailed(WHvCreatePartition(out _handle), nameof(WHvCreatePartition));
        _processors = new WhpVirtualProcessor[options.ProcessorCount];
        try
        {
            Configure(hypervisor, options);
            WhpResult.ThrowIfFailed(WHvSetupPartition(_handle), nameof(WHvSetupPartition));
            MapMemory(options.Memory);
            for (int i = 0; i < _processors.Length; i++)
            {
                _processors[i] = new WhpVirtualProcessor(_handle, i, options.Memory, options.Cpuid);
            }

            var property = default(WHV_PARTITION_PROPERTY);
            TscFrequencyHz = TryGetProperty(WHV_PARTITION_PROPERTY_CODE.WHvPartitionPropertyCodeProcessorClockFrequency, ref property)
                ? property.ProcessorClockFrequency
                : hypervisor.ProcessorClockFrequency;
            property = default;
            ApicTimerFrequencyHz = TryGetProperty(WHV_PARTITION_PROPERTY_CODE.WHvPartitionPropertyCodeInterruptClockFrequency, ref property)
                ? property.InterruptClockFrequency
                : hypervisor.InterruptClockFrequency;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public GuestMemory Memory { get; }

    public IReadOnlyList<IVirtualProcessor> Processors => _processors;

    public ReadOnlySpan<byte> HypercallPageCode => _hypercallPageCode;

    public ulong TscFrequencyHz { get; }

    public ulong ApicTimerFrequencyHz { get; }

    /// <summary>
    /// Records the line level. WHP emulates only the local APIC, not an IOAPIC or PIC, so a line has no
    /// route until a userspace IOAPIC exists (see the backend README); nothing is delivered yet.
    /// </summary>
    /// <inheritdoc />
    /// <remarks>WHP offers no partition-wide flush (docs/whp.md#tlb-flush): kick and wait is the only strategy.</remarks>
    public bool TryFlushAllGuestTlbs() => false;

    public void SetIrqLine(uint irq, bool level)
    {
        if (irq < _irqLevels.Length)
        {
            _irqLevels[irq] = level;
        }
    }

    public void SendFixedInterrupt(int processorIndex, byte vector)
    {
        // Fixed, physical destination = APIC ID, edge (WHV_INTERRUPT_CONTROL, docs/whp.md#functions). WHP gives
        // VP n the APIC ID n, as the KVM backend's MSI addressing assumes.
        var control = default(WHV_INTERRUPT_CONTROL);
        control.Type = WHV_INTERRUPT_TYPE.WHvX64InterruptTypeFixed;
        control.DestinationMode = WHV_INTERRUPT_DESTINATION_MODE.WHvX64InterruptDestinationModePhysical;
        control.TriggerMode = WHV_INTERRUPT_TRIGGER_MODE.WHvX64InterruptTriggerModeEdge;
        control.Destination = (uint)processorIndex;
        control.Vector = vector;
        _ = WHvRequestInterrupt(_handle, &control, (uint)sizeof(WHV_INTERRUPT_CONTROL));
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_processors is not null)
        {
            foreach (WhpVirtualProcessor? vp in _processors)
            {
                vp?.Dispose();
            }
        }

        // Deleting the partition also removes the GPA mappings; guest RAM itself belongs to the machine.
        _handle?.Dispose();
    }

    /// <summary>The hypercall page for this host's CPU: VMCALL on Intel, VMMCALL on AMD/Hygon.</summary>
    internal static byte[] HostHypercallPageCode()
    {
        if (!X86Base.IsSupported)
        {
            return WhpHypercallPage.Intel;
        }

        (int _, int ebx, int ecx, int edx) = X86Base.CpuId(0, 0);
        return WhpHypercallPage.ForVendor((uint)ebx, (uint)edx, (uint)ecx);
    }

    private void Configure(WhpHypervisor hypervisor, PartitionOptions options)
    {
        var property = default(WHV_PARTITION_PROPERTY);
        property.ProcessorCount = (uint)options.ProcessorCount;
        SetProperty(WHV_PARTITION_PROPERTY_CODE.WHvPartitionPropertyCodeProcessorCount, property, sizeof(uint));

        // The hypervisor's xAPIC: interrupt delivery through WHvRequestInterrupt and HLT handled in the hypervisor.
        if (!hypervisor.SupportsLocalApicEmulation)
        {
            throw new HypervisorUnavailableException("This Windows build's WHP cannot emulate the local APIC (needs Windows 10 1809 or later).");
        }

        property = default;
        property.LocalApicEmulationMode = WHV_X64_LOCAL_APIC_EMULATION_MODE.WHvX64LocalApicEmulationModeXApic;
        SetProperty(WHV_PARTITION_PROPERTY_CODE.WHvPartitionPropertyCodeLocalApicEmulationMode, property, sizeof(WHV_X64_LOCAL_APIC_EMULATION_MODE));

        WHV_EXTENDED_VM_EXITS available = hypervisor.ExtendedVmExits;
        var exits = default(WHV_EXTENDED_VM_EXITS);
        exits.X64CpuidExit = Require(available.X64CpuidExit, "CPUID exits");
        exits.X64MsrExit = Require(available.X64MsrExit, "MSR exits");
        exits.HypercallExit = options.EnableHypercalls && Require(available.HypercallExit, "hypercall exits (not offered to nested partitions)");

        // The synthetic-MSR quirk (docs/whp.md#msr-quirk): some accesses raise #GP instead of an MSR exit.
        bool gpExits = options.UserspaceMsrRanges.Count > 0 && available.ExceptionExit;
        exits.ExceptionExit = gpExits;
        property = default;
        property.ExtendedVmExits = exits;
        SetProperty(WHV_PARTITION_PROPERTY_CODE.WHvPartitionPropertyCodeExtendedVmExits, property, sizeof(WHV_EXTENDED_VM_EXITS));
        if (gpExits)
        {
            property = default;
            property.ExceptionExitBitmap = 1UL << Core.Registers.X86Constants.VectorGeneralProtection;
            SetProperty(WHV_PARTITION_PROPERTY_CODE.WHvPartitionPropertyCodeExceptionExitBitmap, property, sizeof(ulong));
        }

        // MSRs the hypervisor does not implement itself (the synthetic range among them) exit to us.
        if (hypervisor.MsrExitBitmap.UnhandledMsrs)
        {
            property = default;
            property.X64MsrExitBitmap = new WHV_X64_MSR_EXIT_BITMAP { UnhandledMsrs = true };
            SetProperty(WHV_PARTITION_PROPERTY_CODE.WHvPartitionPropertyCodeX64MsrExitBitmap, property, sizeof(WHV_X64_MSR_EXIT_BITMAP));
        }

        // The VMM implements the Hyper-V enlightenments itself: ask the hypervisor for none of its own
        // (docs/whp.md#synthetic-features: the default is undocumented, so set it). Older builds lack the property. In the
        // offload mode (`--whp-flush hypervisor`) the hypervisor serves the flush hypercalls itself, which needs its
        // own hypercall page and VP index too (docs/whp.md#synthetic-features, #tlb-flush); they then never exit to us.
        property = default;
        property.SyntheticProcessorFeaturesBanks = new WHV_SYNTHETIC_PROCESSOR_FEATURES_BANKS { BanksCount = 1 };
        if (options.PlatformTlbFlush)
        {
            ref WHV_SYNTHETIC_PROCESSOR_FEATURES bank0 = ref property.SyntheticProcessorFeaturesBanks.Bank0;
            bank0.HypervisorPresent = true;
            bank0.Hv1 = true;
            bank0.AccessHypercallRegs = true;
            bank0.AccessVpIndex = true;
            bank0.TbFlushHypercalls = true;
            bank0.ExtendedProcessorMasks = true;
            SetProperty(WHV_PARTITION_PROPERTY_CODE.WHvPartitionPropertyCodeSyntheticProcessorFeaturesBanks, property, sizeof(WHV_SYNTHETIC_PROCESSOR_FEATURES_BANKS));
        }
        else
        {
            TrySetProperty(WHV_PARTITION_PROPERTY_CODE.WHvPartitionPropertyCodeSyntheticProcessorFeaturesBanks, &property, (uint)sizeof(WHV_SYNTHETIC_PROCESSOR_FEATURES_BANKS));
        }

        SetCpuid(options.Cpuid);
    }

    private void SetCpuid(CpuidTable table)
    {
        CpuidEntry[] overrides = WhpCpuidPolicy.ResultListEntries(table);
        if (overrides.Length > 0)
        {
            var results = new WHV_X64_CPUID_RESULT[overrides.Length];
            for (int i = 0; i < overrides.Length; i++)
            {
                results[i] = new WHV_X64_CPUID_RESULT { Function = overrides[i].Function, Eax = overrides[i].Eax, Ebx = overrides[i].Ebx, Ecx = overrides[i].Ecx, Edx = overrides[i].Edx };
            }

            // Best effort: the same leaves also exit (below), where WhpCpuidPolicy answers them.
            fixed (WHV_X64_CPUID_RESULT* p = results)
            {
                TrySetProperty(WHV_PARTITION_PROPERTY_CODE.WHvPartitionPropertyCodeCpuidResultList, p, (uint)(results.Length * sizeof(WHV_X64_CPUID_RESULT)));
            }
        }

        uint[] leaves = WhpCpuidPolicy.ExitLeaves(table);
        fixed (uint* p = leaves)
        {
            // SAFETY: p covers leaves.Length u32 values, the size passed.
            int hr = WHvSetPartitionProperty(_handle, WHV_PARTITION_PROPERTY_CODE.WHvPartitionPropertyCodeCpuidExitList, p, (uint)(leaves.Length * sizeof(uint)));
            WhpResult.ThrowIfFailed(hr, "WHvSetPartitionProperty(CpuidExitList)");
        }
    }

    private void MapMemory(GuestMemory memory)
    {
        foreach (GuestMemoryRegion region in memory.Regions)
        {
            // SAFETY: the block is page-aligned host memory that stays allocated for the partition's lifetime
            // (the machine frees guest RAM only after disposing the partition).
            int hr = WHvMapGpaRange(
                _handle,
                (void*)region.Block.Address,
                region.GuestPhysicalAddress,
                region.Size,
                WHV_MAP_GPA_RANGE_FLAGS.WHvMapGpaRangeFlagRead | WHV_MAP_GPA_RANGE_FLAGS.WHvMapGpaRangeFlagWrite | WHV_MAP_GPA_RANGE_FLAGS.WHvMapGpaRangeFlagExecute);
            WhpResult.ThrowIfFailed(hr, nameof(WHvMapGpaRange));
        }
    }

    private static bool Require(bool available, string what) =>
        available ? true : throw new HypervisorUnavailableException($"This Windows build's WHP does not offer {what}, which vmm needs.");

    private void SetProperty(WHV_PARTITION_PROPERTY_CODE code, WHV_PARTITION_PROPERTY property, int size)
    {
        // SAFETY: property is a local copy at least `size` bytes long (the union is 48 bytes).
        int hr = WHvSetPartitionProperty(_handle, code, &property, (uint)size);
        WhpResult.ThrowIfFailed(hr, $"WHvSetPartitionProperty({code})");
    }

    private void TrySetProperty(WHV_PARTITION_PROPERTY_CODE code, void* buffer, uint size) =>
        _ = WHvSetPartitionProperty(_handle, code, buffer, size);

    private bool TryGetProperty(WHV_PARTITION_PROPERTY_CODE code, ref WHV_PARTITION_PROPERTY property)
    {
        fixed (WHV_PARTITION_PROPERTY* p = &property)
        {
            uint written;

            // SAFETY: p points at a 48-byte union, the size passed.
            int hr = WHvGetPartitionProperty(_handle, code, p, (uint)sizeof(WHV_PARTITION_PROPERTY), &written);
            return hr >= 0 && written >= sizeof(ulong) && property.ProcessorClockFrequency != 0;
        }
    }
}

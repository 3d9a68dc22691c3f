using System.Runtime.Intrinsics.X86;
using System.Runtime.Versioning;
using Vmm.Core.Hypervisor;
using Vmm.Core.Memory;
using static Vmm.Whp.Interop.WinHvPlatform;

namespace Vmm.Whp;

/// <summary>
/// The Windows Hypervisor Platform backend: WinHvPlatform.dll, probed once for its capabilities.
/// </summary>
/// <remarks>
/// <see cref="IsAvailable"/> and <see cref="Open"/> may be called on any OS and say why WHP cannot be used;
/// everything else exists only on Windows.
/// </remarks>
public sealed unsafe class WhpHypervisor : IHypervisor
{
    /// <summary>vCPUs per partition vmm allows on WHP (the API documents no limit; Hyper-V's own is higher).</summary>
    private const int MaxProcessors = 64;

    private HypervisorCapabilities? _capabilities;

    [SupportedOSPlatform("windows")]
    private WhpHypervisor()
    {
        var features = Query(WHV_CAPABILITY_CODE.WHvCapabilityCodeFeatures);
        SupportsLocalApicEmulation = features.Features.LocalApicEmulation;
        Features = features.Features;
        ExtendedVmExits = Query(WHV_CAPABILITY_CODE.WHvCapabilityCodeExtendedVmExits).ExtendedVmExits;
        MsrExitBitmap = TryQuery(WHV_CAPABILITY_CODE.WHvCapabilityCodeX64MsrExitBitmap, out WHV_CAPABILITY msr) ? msr.X64MsrExitBitmap : default;
        ProcessorClockFrequency = TryQuery(WHV_CAPABILITY_CODE.WHvCapabilityCodeProcessorClockFrequency, out WHV_CAPABILITY tsc) ? tsc.ProcessorClockFrequency : 0;
        InterruptClockFrequency = TryQuery(WHV_CAPABILITY_CODE.WHvCapabilityCodeInterruptClockFrequency, out WHV_CAPABILITY apic) ? apic.InterruptClockFrequency : 0;
        SyntheticFeatures = TryQuery(WHV_CAPABILITY_CODE.WHvCapabilityCodeSyntheticProcessorFeaturesBanks, out WHV_CAPABILITY synthetic)
            ? synthetic.SyntheticProcessorFeaturesBanks.Bank0
            : default;
    }

    /// <inheritdoc />
    public string Name => "whp";

    /// <inheritdoc />
    [SupportedOSPlatform("windows")]
    public HypervisorCapabilities Capabilities => _capabilities ??= BuildCapabilities();

    internal bool SupportsLocalApicEmulation { get; }

    internal WHV_CAPABILITY_FEATURES Features { get; }

    internal WHV_EXTENDED_VM_EXITS ExtendedVmExits { get; }

    internal WHV_X64_MSR_EXIT_BITMAP MsrExitBitmap { get; }

    internal WHV_SYNTHETIC_PROCESSOR_FEATURES SyntheticFeatures { get; }

    /// <summary>The TSC frequency the capability reports, in Hz (0 when unknown).</summary>
    internal ulong ProcessorClockFrequency { get; }

    /// <summary>The APIC timer frequency the capability reports, in Hz (0 when unknown).</summary>
    internal ulong InterruptClockFrequency { get; }

    /// <summary>Whether WHP can run a partition here, with the reason when not. Safe on any OS.</summary>
    public static bool IsAvailable(out string reason)
    {
        if (!OperatingSystem.IsWindows())
        {
            reason = "the whp backend needs Windows with the Windows Hypervisor Platform feature enabled";
            return false;
        }

        try
        {
            WHV_CAPABILITY capability;
            uint written;

            // SAFETY: capability is a 24-byte local; the size passed says so.
            int hr = WHvGetCapability(WHV_CAPABILITY_CODE.WHvCapabilityCodeHypervisorPresent, &capability, (uint)sizeof(WHV_CAPABILITY), &written);
            if (hr < 0)
            {
                reason = $"WHP cannot be queried: {WhpResult.Describe(hr)}";
                return false;
            }

            if (capability.HypervisorPresent == 0)
            {
                reason = "no hypervisor is running: enable \"Windows Hypervisor Platform\" in Windows features and virtualization in the firmware, then reboot";
                return false;
            }
        }
        catch (DllNotFoundException)
        {
            reason = "WinHvPlatform.dll is missing: enable the \"Windows Hypervisor Platform\" Windows feature";
            return false;
        }
        catch (EntryPointNotFoundException)
        {
            reason = "WinHvPlatform.dll lacks WHvGetCapability (Windows 10 1803 or later is needed)";
            return false;
        }

        reason = string.Empty;
        return true;
    }

    /// <summary>Opens the WHP backend. Safe to call on any OS.</summary>
    /// <exception cref="HypervisorUnavailableException">Not Windows, WHP not enabled, or no hypervisor running.</exception>
    public static WhpHypervisor Open()
    {
        if (!IsAvailable(out string reason) || !OperatingSystem.IsWindows())
        {
            throw new HypervisorUnavailableException(reason);
        }

        return new WhpHypervisor();
    }

    /// <inheritdoc />
    /// <remarks>
    /// The host's own CPUID (the root partition's view), without the host hypervisor's leaves
    /// 0x40000000-0x4FFFFFFF, which describe the root's Hyper-V and not vmm's. The hypervisor still masks
    /// what a partition may see at run time; vmm imposes only the leaves in <see cref="WhpCpuidPolicy"/>.
    /// </remarks>
    [SupportedOSPlatform("windows")]
    public CpuidTable GetSupportedCpuid() => new(ReadHostCpuid());

    /// <inheritdoc />
    [SupportedOSPlatform("windows")]
    public HostMemoryBlock AllocateGuestMemory(ulong size) => WhpHostMemoryBlock.Allocate(size);

    /// <inheritdoc />
    [SupportedOSPlatform("windows")]
    public IPartition CreatePartition(PartitionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new WhpPartition(this, options);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // Nothing to release: WHP has no system handle; partitions own theirs.
    }

    /// <summary>Host CPUID leaves, with subleaves for the leaves whose ECX input selects the result.</summary>
    internal static List<CpuidEntry> ReadHostCpuid()
    {
        var entries = new List<CpuidEntry>();
        if (!X86Base.IsSupported)
        {
            return entries;
        }

        foreach (uint first in (uint[])[0, 0x8000_0000])
        {
            uint max = (uint)X86Base.CpuId((int)first, 0).Eax;
            if (max < first || max > first + 0xFF)
            {
                continue;
            }

            for (uint leaf = first; leaf <= max; leaf++)
            {
                int subleaves = SubleafCount(leaf);
                for (int sub = 0; sub < Math.Max(subleaves, 1); sub++)
                {
                    (int a, int b, int c, int d) = X86Base.CpuId((int)leaf, sub);
                    entries.Add(new CpuidEntry(leaf, (uint)sub, subleaves > 0, (uint)a, (uint)b, (uint)c, (uint)d));
                    if (leaf is 4 && (a & 0x1F) == 0)
                    {
                        break; // no more cache levels (SDM Vol. 2A CPUID leaf 4)
                    }

                    if (leaf is 0xB or 0x1F && ((c >> 8) & 0xFF) == 0)
                    {
                        break; // level type 0: past the last topology level
                    }
                }
            }
        }

        return entries;
    }

    private static int SubleafCount(uint leaf) => leaf switch
    {
        4 or 0xB or 0x1F => 8,
        7 => (int)Math.Min((uint)X86Base.CpuId(7, 0).Eax + 1, 4),
        0xD => 64,
        0xF or 0x10 or 0x12 or 0x14 or 0x17 or 0x18 or 0x1D or 0x8000_001D => 4,
        _ => 0,
    };

    [SupportedOSPlatform("windows")]
    private static WHV_CAPABILITY Query(WHV_CAPABILITY_CODE code)
    {
        WHV_CAPABILITY capability;
        uint written;

        // SAFETY: capability is a 24-byte local; the size passed says so.
        int hr = WHvGetCapability(code, &capability, (uint)sizeof(WHV_CAPABILITY), &written);
        WhpResult.ThrowIfFailed(hr, $"WHvGetCapability({code})");
        return capability;
    }

    [SupportedOSPlatform("windows")]
    private static bool TryQuery(WHV_CAPABILITY_CODE code, out WHV_CAPABILITY capability)
    {
        WHV_CAPABILITY value;
        uint written;

        // SAFETY: as in Query.
        int hr = WHvGetCapability(code, &value, (uint)sizeof(WHV_CAPABILITY), &written);
        capability = value;
        return hr >= 0;
    }

    [SupportedOSPlatform("windows")]
    private HypervisorCapabilities BuildCapabilities()
    {
        var features = new SortedDictionary<string, bool>(StringComparer.Ordinal)
        {
            ["local-apic-emulation"] = SupportsLocalApicEmulation,
            ["xsave"] = Features.Xsave,
            ["dirty-page-tracking"] = Features.DirtyPageTracking,
            ["cpuid-exit"] = ExtendedVmExits.X64CpuidExit,
            ["msr-exit"] = ExtendedVmExits.X64MsrExit,
            ["exception-exit"] = ExtendedVmExits.ExceptionExit,
            ["hypercall-exit"] = ExtendedVmExits.HypercallExit,
            ["msr-exit-unhandled"] = MsrExitBitmap.UnhandledMsrs,
            ["hv-tb-flush-hypercalls"] = SyntheticFeatures.TbFlushHypercalls,
            ["hv-synthetic-cluster-ipi"] = SyntheticFeatures.SyntheticClusterIpi,
        };
        return new HypervisorCapabilities
        {
            Backend = Name,
            Version = $"Windows {Environment.OSVersion.Version}, TSC {ProcessorClockFrequency} Hz, APIC timer {InterruptClockFrequency} Hz",
            Platform = "Windows hypervisor",
            HostProcessorCount = Environment.ProcessorCount,
            MaxProcessorCount = MaxProcessors,
            Features = features,
        };
    }
}

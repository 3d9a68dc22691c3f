namespace Vmm.HyperV.Tlfs;

/// <summary>
/// CPUID 0x40000004.EAX: implementation recommendations (which enlightenments the guest should use).
/// </summary>
/// <remarks>
/// TLFS feature-discovery.md "Implementation Recommendations"; docs/hyperv.md#recommendations. Bits 8, 16 and 19–31 are
/// reserved in the TLFS (older versions used bit 8 for x2APIC MSRs).
/// </remarks>
public readonly struct HvRecommendations : IEquatable<HvRecommendations>
{
    /// <summary>Wraps a raw value.</summary>
    public HvRecommendations(uint value)
    {
        Value = value;
    }

    /// <summary>The raw bits.</summary>
    public uint Value { get; }

    /// <summary>Bit 0: use HvCallSwitchVirtualAddressSpace instead of MOV to CR3 (docs/hyperv.md#recommendations).</summary>
    public bool UseHypercallForAddressSpaceSwitch => Get(0);

    /// <summary>Bit 1: use a hypercall for local TLB flushes instead of INVLPG / MOV to CR3 (docs/hyperv.md#recommendations).</summary>
    public bool UseHypercallForLocalFlush => Get(1);

    /// <summary>Bit 2: use a hypercall for remote TLB flushes instead of IPIs; Linux: "Using hypercall for remote TLB flush" (docs/hyperv.md#linux-flush-path, #recommendations, #linux-detection).</summary>
    public bool UseHypercallForRemoteFlush => Get(2);

    /// <summary>Bit 3: use the EOI/ICR/TPR MSRs instead of the memory-mapped APIC registers (docs/hyperv.md#recommendations, #linux-detection).</summary>
    public bool UseApicMsrs => Get(3);

    /// <summary>Bit 4: use the RESET MSR to reboot (docs/hyperv.md#recommendations).</summary>
    public bool UseHvRegisterForReset => Get(4);

    /// <summary>Bit 5: relaxed timing: the guest disables watchdogs that rely on timely interrupts (docs/hyperv.md#recommendations, #qemu-flags).</summary>
    public bool UseRelaxedTiming => Get(5);

    /// <summary>Bit 6: use DMA remapping (docs/hyperv.md#recommendations).</summary>
    public bool UseDmaRemapping => Get(6);

    /// <summary>Bit 7: use interrupt remapping (docs/hyperv.md#recommendations).</summary>
    public bool UseInterruptRemapping => Get(7);

    /// <summary>Bit 9: deprecate AutoEOI (docs/hyperv.md#recommendations).</summary>
    public bool DeprecateAutoEoi => Get(9);

    /// <summary>Bit 10: use HvCallSendSyntheticClusterIpi; Linux: "Using IPI hypercalls" (docs/hyperv.md#linux-flush-path, #recommendations, #linux-detection).</summary>
    public bool UseSyntheticClusterIpi => Get(10);

    /// <summary>Bit 11: use the Ex (HV_VP_SET) variants; needed for VPs with index ≥ 64 (docs/hyperv.md#many-vps, #recommendations, #linux-detection).</summary>
    public bool UseExProcessorMasks => Get(11);

    /// <summary>Bit 12: the hypervisor is itself nested in a Hyper-V partition (docs/hyperv.md#recommendations).</summary>
    public bool Nested => Get(12);

    /// <summary>Bit 13: use INT for MBEC system calls (docs/hyperv.md#recommendations).</summary>
    public bool UseIntForMbecSystemCalls => Get(13);

    /// <summary>Bit 14: nested: use the enlightened VMCS; leaf 0x4000000A has more (docs/hyperv.md#recommendations).</summary>
    public bool UseEnlightenedVmcs => Get(14);

    /// <summary>Bit 15: consume the root partition's QueryPerformanceCounter bias (docs/hyperv.md#recommendations).</summary>
    public bool UseSyncedTimeline => Get(15);

    /// <summary>Bit 17: toggle CR4.PGE for a full local flush instead of a hypercall (docs/hyperv.md#recommendations).</summary>
    public bool UseDirectLocalFlushEntire => Get(17);

    /// <summary>Bit 18: VPs never share a physical core except as reported SMT siblings (docs/hyperv.md#recommendations).</summary>
    public bool NoNonArchitecturalCoreSharing => Get(18);

    /// <summary>A copy with <see cref="UseHypercallForAddressSpaceSwitch"/> (bit 0) set to <paramref name="value"/>.</summary>
    public HvRecommendations WithUseHypercallForAddressSpaceSwitch(bool value) => With(0, value);

    /// <summary>A copy with <see cref="UseHypercallForLocalFlush"/> (bit 1) set to <paramref name="value"/>.</summary>
    public HvRecommendations WithUseHypercallForLocalFlush(bool value) => With(1, value);

    /// <summary>A copy with <see cref="UseHypercallForRemoteFlush"/> (bit 2) set to <paramref name="value"/>.</summary>
    public HvRecommendations WithUseHypercallForRemoteFlush(bool value) => With(2, value);

    /// <summary>A copy with <see cref="UseApicMsrs"/> (bit 3) set to <paramref name="value"/>.</summary>
    public HvRecommendations WithUseApicMsrs(bool value) => With(3, value);

    /// <summary>A copy with <see cref="UseHvRegisterForReset"/> (bit 4) set to <paramref name="value"/>.</summary>
    public HvRecommendations WithUseHvRegisterForReset(bool value) => With(4, value);

    /// <summary>A copy with <see cref="UseRelaxedTiming"/> (bit 5) set to <paramref name="value"/>.</summary>
    public HvRecommendations WithUseRelaxedTiming(bool value) => With(5, value);

    /// <summary>A copy with <see cref="UseDmaRemapping"/> (bit 6) set to <paramref name="value"/>.</summary>
    public HvRecommendations WithUseDmaRemapping(bool value) => With(6, value);

    /// <summary>A copy with <see cref="UseInterruptRemapping"/> (bit 7) set to <paramref name="value"/>.</summary>
    public HvRecommendations WithUseInterruptRemapping(bool value) => With(7, value);

    /// <summary>A copy with <see cref="DeprecateAutoEoi"/> (bit 9) set to <paramref name="value"/>.</summary>
    public HvRecommendations WithDeprecateAutoEoi(bool value) => With(9, value);

    /// <summary>A copy with <see cref="UseSyntheticClusterIpi"/> (bit 10) set to <paramref name="value"/>.</summary>
    public HvRecommendations WithUseSyntheticClusterIpi(bool value) => With(10, value);

    /// <summary>A copy with <see cref="UseExProcessorMasks"/> (bit 11) set to <paramref name="value"/>.</summary>
    public HvRecommendations WithUseExProcessorMasks(bool value) => With(11, value);

    /// <summary>A copy with <see cref="Nested"/> (bit 12) set to <paramref name="value"/>.</summary>
    public HvRecommendations WithNested(bool value) => With(12, value);

    /// <summary>A copy with <see cref="UseIntForMbecSystemCalls"/> (bit 13) set to <paramref name="value"/>.</summary>
    public HvRecommendations WithUseIntForMbecSystemCalls(bool value) => With(13, value);

    /// <summary>A copy with <see cref="UseEnlightenedVmcs"/> (bit 14) set to <paramref name="value"/>.</summary>
    public HvRecommendations WithUseEnlightenedVmcs(bool value) => With(14, value);

    /// <summary>A copy with <see cref="UseSyncedTimeline"/> (bit 15) set to <paramref name="value"/>.</summary>
    public HvRecommendations WithUseSyncedTimeline(bool value) => With(15, value);

    /// <summary>A copy with <see cref="UseDirectLocalFlushEntire"/> (bit 17) set to <paramref name="value"/>.</summary>
    public HvRecommendations WithUseDirectLocalFlushEntire(bool value) => With(17, value);

    /// <summary>A copy with <see cref="NoNonArchitecturalCoreSharing"/> (bit 18) set to <paramref name="value"/>.</summary>
    public HvRecommendations WithNoNonArchitecturalCoreSharing(bool value) => With(18, value);

    /// <inheritdoc/>
    public bool Equals(HvRecommendations other) => Value == other.Value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is HvRecommendations other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Value.GetHashCode();

    /// <summary>The raw value in hex.</summary>
    public override string ToString() => $"0x{Value:X}";

    /// <summary>Equality of the raw values.</summary>
    public static bool operator ==(HvRecommendations left, HvRecommendations right) => left.Equals(right);

    /// <summary>Inequality of the raw values.</summary>
    public static bool operator !=(HvRecommendations left, HvRecommendations right) => !left.Equals(right);

    private bool Get(int bit) => (Value & (1u << bit)) != 0;

    private HvRecommendations With(int bit, bool value) =>
        new(value ? Value | (1u << bit) : Value & ~(1u << bit));
}

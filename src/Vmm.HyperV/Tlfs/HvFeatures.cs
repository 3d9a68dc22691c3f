namespace Vmm.HyperV.Tlfs;

/// <summary>
/// CPUID 0x40000003.EDX: hypervisor feature flags.
/// </summary>
/// <remarks>
/// TLFS feature-discovery.md "Hypervisor Feature Identification"; docs/hyperv.md#features. Bits 16, 22, 24, 25 and
/// 27–31 are reserved.
/// </remarks>
public readonly struct HvFeatures : IEquatable<HvFeatures>
{
    /// <summary>Wraps a raw value.</summary>
    public HvFeatures(uint value)
    {
        Value = value;
    }

    /// <summary>The raw bits.</summary>
    public uint Value { get; }

    /// <summary>Bit 0: MWAIT available; deprecated (docs/hyperv.md#features).</summary>
    public bool MwaitAvailable => Get(0);

    /// <summary>Bit 1: guest debugging support (docs/hyperv.md#features).</summary>
    public bool GuestDebuggingAvailable => Get(1);

    /// <summary>Bit 2: performance monitor support (docs/hyperv.md#features).</summary>
    public bool PerformanceMonitorsAvailable => Get(2);

    /// <summary>Bit 3: physical CPU dynamic partitioning events (QEMU always sets it; docs/hyperv.md#features).</summary>
    public bool CpuDynamicPartitioningAvailable => Get(3);

    /// <summary>Bit 4: hypercall input through XMM registers; using it when clear is #UD (docs/hyperv.md#xmm-fast-input, #features).</summary>
    public bool XmmRegistersForFastHypercallAvailable => Get(4);

    /// <summary>Bit 5: virtual guest idle state (docs/hyperv.md#features).</summary>
    public bool GuestIdleStateAvailable => Get(5);

    /// <summary>Bit 6: hypervisor sleep state (docs/hyperv.md#features).</summary>
    public bool HypervisorSleepStateAvailable => Get(6);

    /// <summary>Bit 7: querying NUMA distances (docs/hyperv.md#features).</summary>
    public bool NumaDistanceQueryAvailable => Get(7);

    /// <summary>Bit 8: timer frequency details (TSC/APIC frequency MSRs); Linux also needs privilege AccessFrequencyRegs (docs/hyperv.md#features, #linux-detection).</summary>
    public bool FrequencyRegsAvailable => Get(8);

    /// <summary>Bit 9: injecting synthetic machine checks (docs/hyperv.md#features).</summary>
    public bool SyntheticMachineCheckAvailable => Get(9);

    /// <summary>Bit 10: guest crash MSRs 0x40000100–0x40000105 (docs/hyperv.md#features).</summary>
    public bool GuestCrashRegsAvailable => Get(10);

    /// <summary>Bit 11: debug MSRs (docs/hyperv.md#features).</summary>
    public bool DebugRegsAvailable => Get(11);

    /// <summary>Bit 12: NPIEP (docs/hyperv.md#features).</summary>
    public bool NpiepAvailable => Get(12);

    /// <summary>Bit 13: DisableHypervisorAvailable (docs/hyperv.md#features).</summary>
    public bool DisableHypervisorAvailable => Get(13);

    /// <summary>Bit 14: extended GVA range entries for the flush List calls (HvFlushFlags.UseExtendedRangeFormat; docs/hyperv.md#flush-flags, #features).</summary>
    public bool ExtendedGvaRangesForFlushVirtualAddressListAvailable => Get(14);

    /// <summary>Bit 15: hypercall output through XMM registers (docs/hyperv.md#xmm-fast-input, #features).</summary>
    public bool XmmRegistersForFastHypercallOutputAvailable => Get(15);

    /// <summary>Bit 17: SINT polling mode (docs/hyperv.md#features).</summary>
    public bool SintPollingModeAvailable => Get(17);

    /// <summary>Bit 18: hypercall MSR lock (docs/hyperv.md#features).</summary>
    public bool HypercallMsrLockAvailable => Get(18);

    /// <summary>Bit 19: direct synthetic timers (stimer direct mode; docs/hyperv.md#features, #linux-boot).</summary>
    public bool DirectSyntheticTimers => Get(19);

    /// <summary>Bit 20: PAT register for VSM (docs/hyperv.md#features).</summary>
    public bool RegisterPatAvailable => Get(20);

    /// <summary>Bit 21: bndcfgs register for VSM (docs/hyperv.md#features).</summary>
    public bool RegisterBndcfgsAvailable => Get(21);

    /// <summary>Bit 23: synthetic time-unhalted timer (docs/hyperv.md#features).</summary>
    public bool SyntheticTimeUnhaltedTimerAvailable => Get(23);

    /// <summary>Bit 26: Intel last-branch record (docs/hyperv.md#features).</summary>
    public bool LastBranchRecordAvailable => Get(26);

    /// <summary>A copy with <see cref="MwaitAvailable"/> (bit 0) set to <paramref name="value"/>.</summary>
    public HvFeatures WithMwaitAvailable(bool value) => With(0, value);

    /// <summary>A copy with <see cref="GuestDebuggingAvailable"/> (bit 1) set to <paramref name="value"/>.</summary>
    public HvFeatures WithGuestDebuggingAvailable(bool value) => With(1, value);

    /// <summary>A copy with <see cref="PerformanceMonitorsAvailable"/> (bit 2) set to <paramref name="value"/>.</summary>
    public HvFeatures WithPerformanceMonitorsAvailable(bool value) => With(2, value);

    /// <summary>A copy with <see cref="CpuDynamicPartitioningAvailable"/> (bit 3) set to <paramref name="value"/>.</summary>
    public HvFeatures WithCpuDynamicPartitioningAvailable(bool value) => With(3, value);

    /// <summary>A copy with <see cref="XmmRegistersForFastHypercallAvailable"/> (bit 4) set to <paramref name="value"/>.</summary>
    public HvFeatures WithXmmRegistersForFastHypercallAvailable(bool value) => With(4, value);

    /// <summary>A copy with <see cref="GuestIdleStateAvailable"/> (bit 5) set to <paramref name="value"/>.</summary>
    public HvFeatures WithGuestIdleStateAvailable(bool value) => With(5, value);

    /// <summary>A copy with <see cref="HypervisorSleepStateAvailable"/> (bit 6) set to <paramref name="value"/>.</summary>
    public HvFeatures WithHypervisorSleepStateAvailable(bool value) => With(6, value);

    /// <summary>A copy with <see cref="NumaDistanceQueryAvailable"/> (bit 7) set to <paramref name="value"/>.</summary>
    public HvFeatures WithNumaDistanceQueryAvailable(bool value) => With(7, value);

    /// <summary>A copy with <see cref="FrequencyRegsAvailable"/> (bit 8) set to <paramref name="value"/>.</summary>
    public HvFeatures WithFrequencyRegsAvailable(bool value) => With(8, value);

    /// <summary>A copy with <see cref="SyntheticMachineCheckAvailable"/> (bit 9) set to <paramref name="value"/>.</summary>
    public HvFeatures WithSyntheticMachineCheckAvailable(bool value) => With(9, value);

    /// <summary>A copy with <see cref="GuestCrashRegsAvailable"/> (bit 10) set to <paramref name="value"/>.</summary>
    public HvFeatures WithGuestCrashRegsAvailable(bool value) => With(10, value);

    /// <summary>A copy with <see cref="DebugRegsAvailable"/> (bit 11) set to <paramref name="value"/>.</summary>
    public HvFeatures WithDebugRegsAvailable(bool value) => With(11, value);

    /// <summary>A copy with <see cref="NpiepAvailable"/> (bit 12) set to <paramref name="value"/>.</summary>
    public HvFeatures WithNpiepAvailable(bool value) => With(12, value);

    /// <summary>A copy with <see cref="DisableHypervisorAvailable"/> (bit 13) set to <paramref name="value"/>.</summary>
    public HvFeatures WithDisableHypervisorAvailable(bool value) => With(13, value);

    /// <summary>A copy with <see cref="ExtendedGvaRangesForFlushVirtualAddressListAvailable"/> (bit 14) set to <paramref name="value"/>.</summary>
    public HvFeatures WithExtendedGvaRangesForFlushVirtualAddressListAvailable(bool value) => With(14, value);

    /// <summary>A copy with <see cref="XmmRegistersForFastHypercallOutputAvailable"/> (bit 15) set to <paramref name="value"/>.</summary>
    public HvFeatures WithXmmRegistersForFastHypercallOutputAvailable(bool value) => With(15, value);

    /// <summary>A copy with <see cref="SintPollingModeAvailable"/> (bit 17) set to <paramref name="value"/>.</summary>
    public HvFeatures WithSintPollingModeAvailable(bool value) => With(17, value);

    /// <summary>A copy with <see cref="HypercallMsrLockAvailable"/> (bit 18) set to <paramref name="value"/>.</summary>
    public HvFeatures WithHypercallMsrLockAvailable(bool value) => With(18, value);

    /// <summary>A copy with <see cref="DirectSyntheticTimers"/> (bit 19) set to <paramref name="value"/>.</summary>
    public HvFeatures WithDirectSyntheticTimers(bool value) => With(19, value);

    /// <summary>A copy with <see cref="RegisterPatAvailable"/> (bit 20) set to <paramref name="value"/>.</summary>
    public HvFeatures WithRegisterPatAvailable(bool value) => With(20, value);

    /// <summary>A copy with <see cref="RegisterBndcfgsAvailable"/> (bit 21) set to <paramref name="value"/>.</summary>
    public HvFeatures WithRegisterBndcfgsAvailable(bool value) => With(21, value);

    /// <summary>A copy with <see cref="SyntheticTimeUnhaltedTimerAvailable"/> (bit 23) set to <paramref name="value"/>.</summary>
    public HvFeatures WithSyntheticTimeUnhaltedTimerAvailable(bool value) => With(23, value);

    /// <summary>A copy with <see cref="LastBranchRecordAvailable"/> (bit 26) set to <paramref name="value"/>.</summary>
    public HvFeatures WithLastBranchRecordAvailable(bool value) => With(26, value);

    /// <inheritdoc/>
    public bool Equals(HvFeatures other) => Value == other.Value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is HvFeatures other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Value.GetHashCode();

    /// <summary>The raw value in hex.</summary>
    public override string ToString() => $"0x{Value:X}";

    /// <summary>Equality of the raw values.</summary>
    public static bool operator ==(HvFeatures left, HvFeatures right) => left.Equals(right);

    /// <summary>Inequality of the raw values.</summary>
    public static bool operator !=(HvFeatures left, HvFeatures right) => !left.Equals(right);

    private bool Get(int bit) => (Value & (1u << bit)) != 0;

    private HvFeatures With(int bit, bool value) =>
        new(value ? Value | (1u << bit) : Value & ~(1u << bit));
}

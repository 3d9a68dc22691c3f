namespace Vmm.HyperV.Tlfs;

/// <summary>
/// HV_PARTITION_PRIVILEGE_MASK: CPUID 0x40000003 EAX (bits 31:0, access to synthetic MSRs) and EBX
/// (bits 63:32, access to hypercalls).
/// </summary>
/// <remarks>
/// TLFS feature-discovery.md "Hypervisor Feature Identification" and datatypes/hv_partition_privilege_mask.md;
/// docs/hyperv.md#privileges (EAX and EBX). Every bit advertised must be fully implemented (REQ, docs/hyperv.md#leaves).
/// </remarks>
public readonly struct HvPartitionPrivileges : IEquatable<HvPartitionPrivileges>
{
    /// <summary>Wraps a raw value.</summary>
    public HvPartitionPrivileges(ulong value)
    {
        Value = value;
    }

    /// <summary>The raw bits.</summary>
    public ulong Value { get; }

    /// <summary>Builds the mask from CPUID 0x40000003 EAX (low half) and EBX (high half).</summary>
    public static HvPartitionPrivileges FromCpuid(uint eax, uint ebx) => new(((ulong)ebx << 32) | eax);

    /// <summary>CPUID 0x40000003.EAX: bits 31:0.</summary>
    public uint Eax => (uint)Value;

    /// <summary>CPUID 0x40000003.EBX: bits 63:32.</summary>
    public uint Ebx => (uint)(Value >> 32);

    /// <summary>Bit 0: AccessVpRunTimeReg, HV_X64_MSR_VP_RUNTIME 0x40000010 (docs/hyperv.md#privileges).</summary>
    public bool AccessVpRunTimeReg => Get(0);

    /// <summary>Bit 1: AccessPartitionReferenceCounter, HV_X64_MSR_TIME_REF_COUNT 0x40000020 (docs/hyperv.md#privileges).</summary>
    public bool AccessPartitionReferenceCounter => Get(1);

    /// <summary>Bit 2: AccessSynicRegs, SynIC MSRs 0x40000080–0x4000009F (docs/hyperv.md#privileges).</summary>
    public bool AccessSynicRegs => Get(2);

    /// <summary>Bit 3: AccessSyntheticTimerRegs, STIMER MSRs 0x400000B0–0x400000B7 (docs/hyperv.md#privileges).</summary>
    public bool AccessSyntheticTimerRegs => Get(3);

    /// <summary>Bit 4: AccessIntrCtrlRegs, APIC MSRs 0x40000070–0x40000072 and the VP assist page MSR 0x40000073 (docs/hyperv.md#privileges).</summary>
    public bool AccessIntrCtrlRegs => Get(4);

    /// <summary>Bit 5: AccessHypercallMsrs, GUEST_OS_ID 0x40000000 and HYPERCALL 0x40000001; REQ: must be set; Linux requires it (docs/hyperv.md#privileges, #linux-detection).</summary>
    public bool AccessHypercallMsrs => Get(5);

    /// <summary>Bit 6: AccessVpIndex, VP_INDEX 0x40000002; REQ: must be set; Linux requires it (docs/hyperv.md#privileges, #linux-detection).</summary>
    public bool AccessVpIndex => Get(6);

    /// <summary>Bit 7: AccessResetReg, RESET 0x40000003 (docs/hyperv.md#privileges).</summary>
    public bool AccessResetReg => Get(7);

    /// <summary>Bit 8: AccessStatsReg, statistics MSRs (docs/hyperv.md#privileges).</summary>
    public bool AccessStatsReg => Get(8);

    /// <summary>Bit 9: AccessPartitionReferenceTsc, REFERENCE_TSC 0x40000021; needs a working TIME_REF_COUNT too (docs/hyperv.md#privileges, #linux-boot).</summary>
    public bool AccessPartitionReferenceTsc => Get(9);

    /// <summary>Bit 10: AccessGuestIdleReg, GUEST_IDLE 0x400000F0 (docs/hyperv.md#privileges).</summary>
    public bool AccessGuestIdleReg => Get(10);

    /// <summary>Bit 11: AccessFrequencyRegs, TSC_FREQUENCY 0x40000022 and APIC_FREQUENCY 0x40000023; Linux also needs feature bit 8 (docs/hyperv.md#privileges, #linux-detection).</summary>
    public bool AccessFrequencyRegs => Get(11);

    /// <summary>Bit 12: AccessDebugRegs per TLFS datatypes/hv_partition_privilege_mask.md (older copies call it reserved; docs/hyperv.md#privileges).</summary>
    public bool AccessDebugRegs => Get(12);

    /// <summary>Bit 13: AccessReenlightenmentControls, MSRs 0x40000106–0x40000108 (docs/hyperv.md#privileges).</summary>
    public bool AccessReenlightenmentControls => Get(13);

    /// <summary>Bit 15: TSC_INVARIANT_CONTROL 0x40000118 (Linux HV_ACCESS_TSC_INVARIANT; docs/hyperv.md#privileges, #linux-detection).</summary>
    public bool AccessTscInvariantControls => Get(15);

    /// <summary>Bit 32: CreatePartitions (EBX bit 0); REQ: must be clear (Linux root-partition path, docs/hyperv.md#privileges).</summary>
    public bool CreatePartitions => Get(32);

    /// <summary>Bit 33: AccessPartitionId (EBX bit 1); REQ: must be clear; Linux then calls HvCallGetPartitionId and may BUG() on failure (docs/hyperv.md#privileges, #linux-boot).</summary>
    public bool AccessPartitionId => Get(33);

    /// <summary>Bit 34: AccessMemoryPool (EBX bit 2); REQ: must be clear (docs/hyperv.md#privileges).</summary>
    public bool AccessMemoryPool => Get(34);

    /// <summary>Bit 35: AdjustMessageBuffers (EBX bit 3); REQ: must be clear (docs/hyperv.md#privileges).</summary>
    public bool AdjustMessageBuffers => Get(35);

    /// <summary>Bit 36: PostMessages (EBX bit 4), HvCallPostMessage (docs/hyperv.md#privileges).</summary>
    public bool PostMessages => Get(36);

    /// <summary>Bit 37: SignalEvents (EBX bit 5), HvCallSignalEvent (docs/hyperv.md#privileges).</summary>
    public bool SignalEvents => Get(37);

    /// <summary>Bit 38: CreatePort (EBX bit 6); REQ: must be clear (docs/hyperv.md#privileges).</summary>
    public bool CreatePort => Get(38);

    /// <summary>Bit 39: ConnectPort (EBX bit 7) (docs/hyperv.md#privileges).</summary>
    public bool ConnectPort => Get(39);

    /// <summary>Bit 40: AccessStats (EBX bit 8); REQ: must be clear (docs/hyperv.md#privileges).</summary>
    public bool AccessStats => Get(40);

    /// <summary>Bit 43: Debugging (EBX bit 11) (docs/hyperv.md#privileges).</summary>
    public bool Debugging => Get(43);

    /// <summary>Bit 44: CpuManagement (EBX bit 12); REQ: must be clear (Linux root / L1VH detection, docs/hyperv.md#privileges).</summary>
    public bool CpuManagement => Get(44);

    /// <summary>Bit 45: ConfigureProfiler (EBX bit 13); REQ: must be clear (docs/hyperv.md#privileges).</summary>
    public bool ConfigureProfiler => Get(45);

    /// <summary>Bit 48: AccessVSM (EBX bit 16) (docs/hyperv.md#privileges).</summary>
    public bool AccessVsm => Get(48);

    /// <summary>Bit 49: AccessVpRegisters (EBX bit 17) (docs/hyperv.md#privileges).</summary>
    public bool AccessVpRegisters => Get(49);

    /// <summary>Bit 52: EnableExtendedHypercalls (EBX bit 20); Linux then issues HvExtCallQueryCapabilities (docs/hyperv.md#privileges, #linux-boot).</summary>
    public bool EnableExtendedHypercalls => Get(52);

    /// <summary>Bit 53: StartVirtualProcessor (EBX bit 21) (docs/hyperv.md#privileges).</summary>
    public bool StartVirtualProcessor => Get(53);

    /// <summary>Bit 54: Isolation (EBX bit 22); Linux then reads leaf 0x4000000C (docs/hyperv.md#privileges).</summary>
    public bool Isolation => Get(54);

    /// <summary>A copy with <see cref="AccessVpRunTimeReg"/> (bit 0) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithAccessVpRunTimeReg(bool value) => With(0, value);

    /// <summary>A copy with <see cref="AccessPartitionReferenceCounter"/> (bit 1) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithAccessPartitionReferenceCounter(bool value) => With(1, value);

    /// <summary>A copy with <see cref="AccessSynicRegs"/> (bit 2) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithAccessSynicRegs(bool value) => With(2, value);

    /// <summary>A copy with <see cref="AccessSyntheticTimerRegs"/> (bit 3) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithAccessSyntheticTimerRegs(bool value) => With(3, value);

    /// <summary>A copy with <see cref="AccessIntrCtrlRegs"/> (bit 4) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithAccessIntrCtrlRegs(bool value) => With(4, value);

    /// <summary>A copy with <see cref="AccessHypercallMsrs"/> (bit 5) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithAccessHypercallMsrs(bool value) => With(5, value);

    /// <summary>A copy with <see cref="AccessVpIndex"/> (bit 6) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithAccessVpIndex(bool value) => With(6, value);

    /// <summary>A copy with <see cref="AccessResetReg"/> (bit 7) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithAccessResetReg(bool value) => With(7, value);

    /// <summary>A copy with <see cref="AccessStatsReg"/> (bit 8) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithAccessStatsReg(bool value) => With(8, value);

    /// <summary>A copy with <see cref="AccessPartitionReferenceTsc"/> (bit 9) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithAccessPartitionReferenceTsc(bool value) => With(9, value);

    /// <summary>A copy with <see cref="AccessGuestIdleReg"/> (bit 10) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithAccessGuestIdleReg(bool value) => With(10, value);

    /// <summary>A copy with <see cref="AccessFrequencyRegs"/> (bit 11) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithAccessFrequencyRegs(bool value) => With(11, value);

    /// <summary>A copy with <see cref="AccessDebugRegs"/> (bit 12) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithAccessDebugRegs(bool value) => With(12, value);

    /// <summary>A copy with <see cref="AccessReenlightenmentControls"/> (bit 13) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithAccessReenlightenmentControls(bool value) => With(13, value);

    /// <summary>A copy with <see cref="AccessTscInvariantControls"/> (bit 15) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithAccessTscInvariantControls(bool value) => With(15, value);

    /// <summary>A copy with <see cref="CreatePartitions"/> (bit 32) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithCreatePartitions(bool value) => With(32, value);

    /// <summary>A copy with <see cref="AccessPartitionId"/> (bit 33) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithAccessPartitionId(bool value) => With(33, value);

    /// <summary>A copy with <see cref="AccessMemoryPool"/> (bit 34) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithAccessMemoryPool(bool value) => With(34, value);

    /// <summary>A copy with <see cref="AdjustMessageBuffers"/> (bit 35) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithAdjustMessageBuffers(bool value) => With(35, value);

    /// <summary>A copy with <see cref="PostMessages"/> (bit 36) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithPostMessages(bool value) => With(36, value);

    /// <summary>A copy with <see cref="SignalEvents"/> (bit 37) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithSignalEvents(bool value) => With(37, value);

    /// <summary>A copy with <see cref="CreatePort"/> (bit 38) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithCreatePort(bool value) => With(38, value);

    /// <summary>A copy with <see cref="ConnectPort"/> (bit 39) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithConnectPort(bool value) => With(39, value);

    /// <summary>A copy with <see cref="AccessStats"/> (bit 40) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithAccessStats(bool value) => With(40, value);

    /// <summary>A copy with <see cref="Debugging"/> (bit 43) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithDebugging(bool value) => With(43, value);

    /// <summary>A copy with <see cref="CpuManagement"/> (bit 44) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithCpuManagement(bool value) => With(44, value);

    /// <summary>A copy with <see cref="ConfigureProfiler"/> (bit 45) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithConfigureProfiler(bool value) => With(45, value);

    /// <summary>A copy with <see cref="AccessVsm"/> (bit 48) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithAccessVsm(bool value) => With(48, value);

    /// <summary>A copy with <see cref="AccessVpRegisters"/> (bit 49) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithAccessVpRegisters(bool value) => With(49, value);

    /// <summary>A copy with <see cref="EnableExtendedHypercalls"/> (bit 52) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithEnableExtendedHypercalls(bool value) => With(52, value);

    /// <summary>A copy with <see cref="StartVirtualProcessor"/> (bit 53) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithStartVirtualProcessor(bool value) => With(53, value);

    /// <summary>A copy with <see cref="Isolation"/> (bit 54) set to <paramref name="value"/>.</summary>
    public HvPartitionPrivileges WithIsolation(bool value) => With(54, value);

    /// <inheritdoc/>
    public bool Equals(HvPartitionPrivileges other) => Value == other.Value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is HvPartitionPrivileges other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Value.GetHashCode();

    /// <summary>The raw value in hex.</summary>
    public override string ToString() => $"0x{Value:X}";

    /// <summary>Equality of the raw values.</summary>
    public static bool operator ==(HvPartitionPrivileges left, HvPartitionPrivileges right) => left.Equals(right);

    /// <summary>Inequality of the raw values.</summary>
    public static bool operator !=(HvPartitionPrivileges left, HvPartitionPrivileges right) => !left.Equals(right);

    private bool Get(int bit) => (Value & (1UL << bit)) != 0;

    private HvPartitionPrivileges With(int bit, bool value) =>
        new(value ? Value | (1UL << bit) : Value & ~(1UL << bit));
}

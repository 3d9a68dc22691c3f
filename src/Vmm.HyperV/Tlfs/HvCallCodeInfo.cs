namespace Vmm.HyperV.Tlfs;

/// <summary>
/// The shape of a known hypercall: simple or rep, whether it takes a variable-sized input header, and its TLFS
/// name for traces.
/// </summary>
/// <param name="Code">The call code.</param>
/// <param name="Name">The TLFS name, e.g. <c>HvCallFlushVirtualAddressList</c>.</param>
/// <param name="IsRep">
/// True for a rep call: its rep count must be non-zero; false for a simple call: rep count and rep start index
/// must be zero (TLFS hypercall-interface.md "Hypercall Classes"; docs/hyperv.md#input-rules).
/// </param>
/// <param name="HasVariableHeader">
/// True when the call is documented as accepting a variable-sized input header. For every other call a non-zero
/// variable header size is <see cref="HvStatus.InvalidHypercallInput"/> (TLFS "Variable Sized Hypercall Input
/// Headers"; docs/hyperv.md#input-rules).
/// </param>
public readonly record struct HvCallCodeInfo(HvCallCode Code, string Name, bool IsRep, bool HasVariableHeader)
{
    /// <summary>Call codes above 0x8000 are extended hypercalls (TLFS hypercall-interface.md "Extended Hypercall Interface").</summary>
    public const ushort FirstExtendedCallCode = 0x8001;

    /// <summary>True for an extended hypercall (code ≥ 0x8001).</summary>
    public bool IsExtended => (ushort)Code >= FirstExtendedCallCode;

    /// <summary>Every call code this project recognises, in call-code order.</summary>
    public static IReadOnlyList<HvCallCodeInfo> All { get; } = BuildAll();

    /// <summary>Looks up <paramref name="code"/>; false for a code that is not recognised.</summary>
    /// <remarks>Allocation-free: the dispatcher calls it on every hypercall.</remarks>
    public static bool TryGet(HvCallCode code, out HvCallCodeInfo info)
    {
        // Type column of TLFS hypercalls/overview.md; variable headers from the Ex call pages (docs/hyperv.md#call-codes, #flush-inputs, #cluster-ipi).
        info = code switch
        {
            HvCallCode.HvCallSwitchVirtualAddressSpace => Simple(code, nameof(HvCallCode.HvCallSwitchVirtualAddressSpace)),
            HvCallCode.HvCallFlushVirtualAddressSpace => Simple(code, nameof(HvCallCode.HvCallFlushVirtualAddressSpace)),
            HvCallCode.HvCallFlushVirtualAddressList => Rep(code, nameof(HvCallCode.HvCallFlushVirtualAddressList)),
            HvCallCode.HvCallNotifyLongSpinWait => Simple(code, nameof(HvCallCode.HvCallNotifyLongSpinWait)),
            HvCallCode.HvCallSendSyntheticClusterIpi => Simple(code, nameof(HvCallCode.HvCallSendSyntheticClusterIpi)),
            HvCallCode.HvCallModifyVtlProtectionMask => Rep(code, nameof(HvCallCode.HvCallModifyVtlProtectionMask)),
            HvCallCode.HvCallEnablePartitionVtl => Simple(code, nameof(HvCallCode.HvCallEnablePartitionVtl)),
            HvCallCode.HvCallEnableVpVtl => Simple(code, nameof(HvCallCode.HvCallEnableVpVtl)),
            HvCallCode.HvCallVtlCall => Simple(code, nameof(HvCallCode.HvCallVtlCall)),
            HvCallCode.HvCallVtlReturn => Simple(code, nameof(HvCallCode.HvCallVtlReturn)),
            HvCallCode.HvCallFlushVirtualAddressSpaceEx => Simple(code, nameof(HvCallCode.HvCallFlushVirtualAddressSpaceEx), variableHeader: true),
            HvCallCode.HvCallFlushVirtualAddressListEx => Rep(code, nameof(HvCallCode.HvCallFlushVirtualAddressListEx), variableHeader: true),
            HvCallCode.HvCallSendSyntheticClusterIpiEx => Simple(code, nameof(HvCallCode.HvCallSendSyntheticClusterIpiEx), variableHeader: true),
            HvCallCode.HvCallGetPartitionId => Simple(code, nameof(HvCallCode.HvCallGetPartitionId)),
            HvCallCode.HvCallGetVpRegisters => Rep(code, nameof(HvCallCode.HvCallGetVpRegisters)),
            HvCallCode.HvCallSetVpRegisters => Rep(code, nameof(HvCallCode.HvCallSetVpRegisters)),
            HvCallCode.HvCallPostMessage => Simple(code, nameof(HvCallCode.HvCallPostMessage)),
            HvCallCode.HvCallSignalEvent => Simple(code, nameof(HvCallCode.HvCallSignalEvent)),
            HvCallCode.HvCallRetargetDeviceInterrupt => Simple(code, nameof(HvCallCode.HvCallRetargetDeviceInterrupt)),
            HvCallCode.HvCallStartVirtualProcessor => Simple(code, nameof(HvCallCode.HvCallStartVirtualProcessor)),
            HvCallCode.HvCallGetVpIndexFromApicId => Rep(code, nameof(HvCallCode.HvCallGetVpIndexFromApicId)),
            HvCallCode.HvCallFlushGuestPhysicalAddressSpace => Simple(code, nameof(HvCallCode.HvCallFlushGuestPhysicalAddressSpace)),
            HvCallCode.HvCallFlushGuestPhysicalAddressList => Rep(code, nameof(HvCallCode.HvCallFlushGuestPhysicalAddressList)),
            HvCallCode.HvExtCallQueryCapabilities => Simple(code, nameof(HvCallCode.HvExtCallQueryCapabilities)),
            HvCallCode.HvExtCallGetBootZeroedMemory => Simple(code, nameof(HvCallCode.HvExtCallGetBootZeroedMemory)),
            HvCallCode.HvExtCallMemoryHeatHint => Simple(code, nameof(HvCallCode.HvExtCallMemoryHeatHint)),
            HvCallCode.HvExtCallEpfSetup => Simple(code, nameof(HvCallCode.HvExtCallEpfSetup)),
            HvCallCode.HvExtCallMemoryHeatHintAsync => Simple(code, nameof(HvCallCode.HvExtCallMemoryHeatHintAsync)),
            _ => default,
        };

        return info.Name is not null;
    }

    /// <summary>The TLFS name of <paramref name="code"/>, or <c>HvCall0xNNNN</c> for an unknown code (for traces).</summary>
    public static string NameOf(HvCallCode code) =>
        TryGet(code, out HvCallCodeInfo info) ? info.Name : $"HvCall0x{(ushort)code:X4}";

    private static HvCallCodeInfo Simple(HvCallCode code, string name, bool variableHeader = false) =>
        new(code, name, IsRep: false, variableHeader);

    private static HvCallCodeInfo Rep(HvCallCode code, string name, bool variableHeader = false) =>
        new(code, name, IsRep: true, variableHeader);

    private static HvCallCodeInfo[] BuildAll()
    {
        HvCallCode[] codes = Enum.GetValues<HvCallCode>();
        var all = new HvCallCodeInfo[codes.Length];
        for (int i = 0; i < codes.Length; i++)
        {
            if (!TryGet(codes[i], out all[i]))
            {
                throw new InvalidOperationException($"HvCallCode.{codes[i]} has no HvCallCodeInfo entry.");
            }
        }

        return all;
    }
}

using Vmm.Core.TlbFlush;
using Vmm.HyperV.TlbFlush;
using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.Hypercalls;

/// <summary>
/// Registers the remote-TLB-flush and cluster-IPI hypercalls (0x0002, 0x0003, 0x0013, 0x0014, 0x000B, 0x0015) and
/// documents how they read their input.
/// </summary>
/// <remarks>
/// <para>
/// The dispatcher has already checked the control word, access (the profile's recommendations), rep fields,
/// XMM use, alignment, page crossing and guest RAM. Each handler then checks its own fields in input order and
/// builds one <see cref="TlbFlushRequest"/> and passes it to the engine (<see cref="ITlbFlushEngine"/>) once, or calls the
/// IPI sender once per target:
/// </para>
/// <list type="number">
/// <item>Flush calls: Flags (reserved bits 4-63 → INVALID_PARAMETER; USE_EXTENDED_RANGE_FORMAT not advertised →
/// INVALID_PARAMETER; NON_GLOBAL_MAPPINGS_ONLY on a list call → INVALID_PARAMETER), then the processor mask / HV_VP_SET
/// (<see cref="HvVpSet"/>: bank QWORDs ≠ popcount(ValidBanksMask) → INVALID_HYPERCALL_INPUT; unknown Format →
/// INVALID_PARAMETER), then, for list calls, each GVA entry (extended large entry with reserved bits 20:13 →
/// INVALID_PARAMETER at that rep, the earlier reps flushed and counted).</item>
/// <item>IPI calls: Vector outside 0x10-0xFF → INVALID_PARAMETER; TargetVtl ≠ 0 → INVALID_PARAMETER; reserved bytes
/// 5-7 ≠ 0 → INVALID_PARAMETER; then the processor mask / HV_VP_SET as above.</item>
/// </list>
/// <para>Status convention: a malformed call structure (the variable header does not match the set) is
/// INVALID_HYPERCALL_INPUT, as the TLFS uses it for the control word; a bad value inside a well-formed input is
/// INVALID_PARAMETER. Where the anchors disagree (docs/hyperv.md#kvm-comparison, #openvmm), we chose:</para>
/// <list type="bullet">
/// <item>Empty non-Ex flush mask (ALL_PROCESSORS clear): flush every VP, as KVM does (Windows Server 2012 sends an
/// empty mask meaning "all"); the TLFS reading is "nothing". Over-flushing is always allowed, under-flushing
/// corrupts the guest. An empty IPI mask sends nothing, and an empty Ex sparse set (ValidBanksMask 0) flushes
/// nothing: those are not the known bug, and an extra interrupt is not harmless.</item>
/// <item>Ex Format other than SPARSE_4K / ALL: INVALID_PARAMETER (OpenVMM), not "all" (KVM): the parser is shared
/// with the IPI calls, Linux never sends it, and Linux falls back to IPIs on any error.</item>
/// <item>HV_GENERIC_SET_ALL: ValidBanksMask and the bank QWORDs are ignored, whatever the variable-header size.</item>
/// <item>Rep start index ≠ 0 on list calls: legal (KVM rejects it; it never continues a call). The dispatcher and
/// handlers continue calls, so a start index is a continuation: reps [start, end) are processed.</item>
/// <item>ALL_PROCESSORS with a mask or set: the mask or set is ignored and not parsed (TLFS), so a malformed set
/// under ALL_PROCESSORS is not an error.</item>
/// <item>Reserved flag bits: INVALID_PARAMETER (KVM ignores them; TLFS says "must be zero"); OpenVMM's VTL bits
/// 4, 8, 9 are reserved here (no VSM).</item>
/// <item>NON_GLOBAL_MAPPINGS_ONLY on Space calls and AddressSpace / ALL_VIRTUAL_ADDRESS_SPACES: passed to the engine,
/// which may over-flush (every address space, global mappings included), as KVM does. NON_GLOBAL_MAPPINGS_ONLY on a
/// list call: INVALID_PARAMETER (TLFS "invalid option"; KVM ignores it; Linux never sends it).</item>
/// <item>USE_EXTENDED_RANGE_FORMAT: valid only when CPUID 0x40000003.EDX bit 14 is advertised (the
/// <c>extendedGvaRanges</c> argument; no profile sets it today), else INVALID_PARAMETER like any reserved bit. On a
/// Space call it changes nothing.</item>
/// <item>Every flush is a full flush of each target (see <see cref="TlbFlushRequest"/>): the GVA entries of a list call
/// are validated, never decoded, and a list call of any length is one engine request per invocation, never split into
/// continuations: each continuation would repeat the kick-and-wait round (tens of ms under overcommit,
/// docs/tlb-flush.md#costs) where one request costs a single round.</item>
/// <item>VP indices no vCPU has (beyond the VM): ignored, as KVM does.</item>
/// <item>IPI vector outside 0x10-0xFF: INVALID_PARAMETER (TLFS names no status; KVM says INVALID_HYPERCALL_INPUT),
/// following the convention above. TargetVtl must be 0: this VMM offers no VSM.</item>
/// <item>The engine is called (once) even when the target set is empty, so it sees every request.</item>
/// </list>
/// </remarks>
public static class FlushHypercalls
{
    /// <summary>Registers the four flush handlers and, when <paramref name="ipiSender"/> is given, the two cluster-IPI handlers.</summary>
    /// <param name="dispatcher">The dispatcher, before the VM starts.</param>
    /// <param name="engine">The flush engine.</param>
    /// <param name="ipiSender">Delivers cluster IPIs; null to leave 0x000B and 0x0015 unregistered (they answer INVALID_HYPERCALL_CODE when offered).</param>
    /// <param name="vpIndexMap">VP index → vCPU index.</param>
    /// <param name="extendedGvaRanges">True when CPUID 0x40000003.EDX bit 14 is advertised.</param>
    /// <returns><paramref name="dispatcher"/>.</returns>
    /// <exception cref="ArgumentNullException">A required argument is null.</exception>
    /// <exception cref="ArgumentException">A handler for one of these codes is already registered.</exception>
    public static HypercallDispatcher RegisterAll(
        HypercallDispatcher dispatcher,
        ITlbFlushEngine engine,
        ISyntheticIpiSender? ipiSender,
        IVpIndexMap vpIndexMap,
        bool extendedGvaRanges = false)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(vpIndexMap);
        dispatcher
            .Register(new FlushVirtualAddressHypercall(HvCallCode.HvCallFlushVirtualAddressSpace, engine, vpIndexMap, extendedGvaRanges))
            .Register(new FlushVirtualAddressHypercall(HvCallCode.HvCallFlushVirtualAddressList, engine, vpIndexMap, extendedGvaRanges))
            .Register(new FlushVirtualAddressHypercall(HvCallCode.HvCallFlushVirtualAddressSpaceEx, engine, vpIndexMap, extendedGvaRanges))
            .Register(new FlushVirtualAddressHypercall(HvCallCode.HvCallFlushVirtualAddressListEx, engine, vpIndexMap, extendedGvaRanges));
        if (ipiSender is not null)
        {
            dispatcher
                .Register(new SendSyntheticClusterIpiHypercall(ipiSender, vpIndexMap))
                .Register(new SendSyntheticClusterIpiExHypercall(ipiSender, vpIndexMap));
        }

        return dispatcher;
    }
}

using Vmm.HyperV.Tlfs;

namespace Vmm.HyperV.TlbFlush;

/// <summary>
/// The TLB-flush engine as the flush hypercalls see it (docs/tlb-flush.md). The handlers validate the call, decode
/// the targets and ranges, and call one method once per invocation, on the requesting vCPU's thread.
/// </summary>
/// <remarks>
/// <para>
/// Contract (TLFS; docs/hyperv.md#flush-guarantee): both methods are synchronous. When one returns <see cref="HvStatus.Success"/>,
/// no target vCPU may use a translation the flush covers: a target running in the guest has been kicked and has
/// acknowledged; a target outside the guest applies the flush before its next entry. The requester is a target
/// whenever the set contains it. Over-flushing is always allowed: the engine may flush every address space, global
/// mappings included, and may turn any range list into a full flush.
/// </para>
/// <para>
/// Called concurrently from several vCPU threads; must not allocate. A status other than success is returned to the
/// guest as is (a list call then reports no rep of this invocation done); the engine should have none to report.
/// </para>
/// </remarks>
public interface ITlbFlushService
{
    /// <summary>Flushes whole address spaces (HvCallFlushVirtualAddressSpace / SpaceEx, and list calls too long to batch).</summary>
    /// <param name="requesterVcpu">The calling vCPU (a vCPU index).</param>
    /// <param name="targets">The vCPUs to flush; may be empty, may contain the requester.</param>
    /// <param name="addressSpace">The guest's AddressSpace (a CR3 value); meaningless when <paramref name="flags"/> has <see cref="HvFlushFlags.AllVirtualAddressSpaces"/>.</param>
    /// <param name="flags">
    /// The validated flags: <see cref="HvFlushFlags.AllVirtualAddressSpaces"/> and <see cref="HvFlushFlags.NonGlobalMappingsOnly"/>
    /// may be honoured or over-flushed; <see cref="HvFlushFlags.AllProcessors"/> is already folded into <paramref name="targets"/>.
    /// </param>
    HvStatus FlushVirtualAddressSpace(int requesterVcpu, in TargetSet targets, ulong addressSpace, HvFlushFlags flags);

    /// <summary>Flushes GVA ranges of one address space (HvCallFlushVirtualAddressList / ListEx).</summary>
    /// <param name="requesterVcpu">The calling vCPU (a vCPU index).</param>
    /// <param name="targets">The vCPUs to flush; may be empty, may contain the requester.</param>
    /// <param name="addressSpace">As for <see cref="FlushVirtualAddressSpace"/>.</param>
    /// <param name="flags">As for <see cref="FlushVirtualAddressSpace"/>; never <see cref="HvFlushFlags.NonGlobalMappingsOnly"/> (invalid on list calls).</param>
    /// <param name="ranges">
    /// 1 to <see cref="Hypercalls.FlushHypercalls.MaxRangesPerFlush"/> decoded ranges, valid only during the call (a
    /// stack buffer); global mappings in them must be flushed too.
    /// </param>
    HvStatus FlushVirtualAddressList(int requesterVcpu, in TargetSet targets, ulong addressSpace, HvFlushFlags flags, ReadOnlySpan<GvaRange> ranges);
}

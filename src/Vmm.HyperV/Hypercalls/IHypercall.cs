namespace Vmm.HyperV.Hypercalls;

/// <summary>
/// The handler of one hypercall code, registered with <see cref="HypercallDispatcher.Register"/> before the VM starts.
/// </summary>
/// <remarks>
/// <para>
/// The dispatcher does everything common to all calls (docs/hyperv.md#hypercall-abi; TLFS hypercall-interface.md) and calls
/// <see cref="Invoke"/> only with a request that passed it; the handler checks what is specific to its call and does
/// the work. It reports through <see cref="HypercallOutcome"/> and never touches the registers or RAX itself.
/// </para>
/// <para>
/// Called on the calling vCPU's thread, possibly on several vCPUs at once: handlers are thread-safe. They must not
/// throw for anything the guest passes (return a status instead) and should not allocate.
/// </para>
/// </remarks>
/// <example>
/// A rep call with a 24-byte header and one QWORD per rep:
/// <code>
/// sealed class FlushList : IHypercall
/// {
///     public HypercallLayout Layout { get; } = HypercallLayout.Rep(HvCallCode.HvCallFlushVirtualAddressList, headerSize: 24, repInputSize: 8);
///
///     public HypercallOutcome Invoke(HypercallRequest request)
///     {
///         ulong flags = BinaryPrimitives.ReadUInt64LittleEndian(request.FixedHeader[8..]);
///         for (int i = request.RepStartIndex; i &lt; request.RepEndIndex; i++)
///         {
///             ulong entry = BinaryPrimitives.ReadUInt64LittleEndian(request.RepInput(i));
///             // ... queue the range; on a bad entry: return HypercallOutcome.Failure(HvStatus.InvalidParameter, i);
///         }
///         return HypercallOutcome.Success;
///     }
/// }
/// </code>
/// </example>
public interface IHypercall
{
    /// <summary>The call code and parameter sizes; read once, at registration.</summary>
    HypercallLayout Layout { get; }

    /// <summary>Handles one validated invocation.</summary>
    HypercallOutcome Invoke(HypercallRequest request);
}

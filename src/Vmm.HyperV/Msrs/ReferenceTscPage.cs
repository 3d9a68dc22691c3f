using System.Buffers.Binary;

namespace Vmm.HyperV.Msrs;

/// <summary>
/// The partition reference TSC page (HV_REFERENCE_TSC_PAGE) and the one formula that turns a guest TSC value into
/// partition reference time, shared by the page and by HV_X64_MSR_TIME_REF_COUNT so the two always agree.
/// </summary>
/// <remarks>
/// <para>Layout (TLFS timers.md; docs/hyperv.md#reference-tsc-page), 4 KiB, little-endian:</para>
/// <code>
/// offset  size  field
///      0     4  TscSequence (u32; 0 = "not valid now, read HV_X64_MSR_TIME_REF_COUNT")
///      4     4  reserved
///      8     8  TscScale (u64, 0.64 fixed point: 100 ns ticks per TSC tick)
///     16     8  TscOffset (s64, 100 ns ticks)
///     24  4072  reserved
/// </code>
/// <para>ReferenceTime = ((TSC × TscScale) &gt;&gt; 64) + TscOffset, with a 64 × 64 → 128-bit product.</para>
/// <para>
/// Sequence 0 tells the guest's reader to fall back to the MSR. This VMM writes it only transiently, while it
/// rewrites the page (so a reader on another processor retries or takes the MSR instead of mixing an old scale
/// with a new offset). It would also be the answer to any event that makes the guest TSC an unreliable time
/// source for a while: a restore on a host with a different TSC rate and no TSC scaling, or a backend that cannot
/// keep the guest TSC invariant. Neither happens today; the TSC frequency is fixed for the partition's life.
/// </para>
/// </remarks>
public static class ReferenceTscPage
{
    /// <summary>Size of the page.</summary>
    public const int Size = 4096;

    /// <summary>Byte offset of TscSequence (u32).</summary>
    public const int SequenceOffset = 0;

    /// <summary>Byte offset of TscScale (u64).</summary>
    public const int ScaleOffset = 8;

    /// <summary>Byte offset of TscOffset (s64).</summary>
    public const int OffsetOffset = 16;

    /// <summary>TscSequence value meaning "the page is not valid now; read HV_X64_MSR_TIME_REF_COUNT" (TLFS timers.md).</summary>
    public const uint InvalidSequence = 0;

    /// <summary>Reference time ticks per second: the unit is 100 ns.</summary>
    public const ulong TicksPerSecond = 10_000_000;

    /// <summary>
    /// The lowest TSC frequency (Hz) whose scale fits in 64 bits: at 10 MHz or below one TSC tick is 100 ns or
    /// more, and the 0.64 fixed-point scale would be 1.0 or more.
    /// </summary>
    public const ulong MinimumTscFrequency = TicksPerSecond + 1;

    /// <summary>
    /// TscScale for a TSC running at <paramref name="tscFrequency"/> Hz: floor(10^7 × 2^64 / frequency)
    /// (docs/hyperv.md#reference-tsc-page).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The frequency is below <see cref="MinimumTscFrequency"/>.</exception>
    public static ulong ScaleFor(ulong tscFrequency)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tscFrequency, MinimumTscFrequency);
        return (ulong)(((UInt128)TicksPerSecond << 64) / tscFrequency);
    }

    /// <summary>
    /// TscOffset that makes reference time read 0 when the guest TSC is <paramref name="tscAtZero"/>: the negated
    /// scaled TSC, as a two's-complement s64.
    /// </summary>
    public static long OffsetFor(ulong tscAtZero, ulong scale) => unchecked(-(long)ScaleTsc(tscAtZero, scale));

    /// <summary>
    /// Partition reference time (100 ns units) at guest TSC <paramref name="tsc"/>:
    /// ((tsc × scale) &gt;&gt; 64) + offset, wrapping modulo 2^64 exactly as the guest's own computation does.
    /// </summary>
    public static ulong ReferenceTime(ulong tsc, ulong scale, long offset) => unchecked(ScaleTsc(tsc, scale) + (ulong)offset);

    /// <summary>
    /// The TscSequence to publish after <paramref name="current"/>: one more, never 0 (invalid) and never
    /// 0xFFFFFFFF (KVM skips it too, docs/hyperv.md#reference-tsc-page; skipping costs nothing), so every rewrite is visible.
    /// </summary>
    public static uint NextSequence(uint current)
    {
        uint next = unchecked(current + 1);
        return next is InvalidSequence or uint.MaxValue ? 1 : next;
    }

    /// <summary>
    /// Writes the whole page: sequence 0 first, then the scale, the offset and zeroed reserved fields, then
    /// <paramref name="sequence"/>, with a full fence between the steps so a reader on another processor that sees
    /// the new sequence also sees the new fields (TLFS timers.md reader loop).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="page"/> is not <see cref="Size"/> bytes, or the sequence is 0.</exception>
    public static void Write(Span<byte> page, uint sequence, ulong scale, long offset)
    {
        if (page.Length != Size)
        {
            throw new ArgumentException($"The reference TSC page is {Size} bytes, not {page.Length}.", nameof(page));
        }

        if (sequence == InvalidSequence)
        {
            throw new ArgumentException("A published reference TSC page needs a non-zero sequence.", nameof(sequence));
        }

        BinaryPrimitives.WriteUInt32LittleEndian(page[SequenceOffset..], InvalidSequence);
        Interlocked.MemoryBarrier();
        page[(SequenceOffset + sizeof(uint))..ScaleOffset].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(page[ScaleOffset..], scale);
        BinaryPrimitives.WriteInt64LittleEndian(page[OffsetOffset..], offset);
        page[(OffsetOffset + sizeof(long))..].Clear();
        Interlocked.MemoryBarrier();
        BinaryPrimitives.WriteUInt32LittleEndian(page[SequenceOffset..], sequence);
    }

    private static ulong ScaleTsc(ulong tsc, ulong scale) => (ulong)(((UInt128)tsc * scale) >> 64);
}

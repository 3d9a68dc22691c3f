using Vmm.Core.Hypervisor;
using Vmm.Core.Memory;

namespace Vmm.HyperV.Msrs;

/// <summary>
/// The partition-wide synthetic MSRs: HV_X64_MSR_GUEST_OS_ID, HV_X64_MSR_HYPERCALL with its page,
/// HV_X64_MSR_REFERENCE_TSC with its page, and the reference time behind HV_X64_MSR_TIME_REF_COUNT.
/// </summary>
/// <remarks>
/// <para>
/// Every processor can write these, so all state is guarded by one lock (docs/design.md#locking). The only lock-free path
/// is the TIME_REF_COUNT read: its scale is fixed at construction and its offset is published once, with release
/// semantics, before the flag readers test (<c>_timeStarted</c>).
/// </para>
/// <para>
/// Access checks (privilege bits) are the caller's job (<see cref="SyntheticMsrs"/>); this type implements the
/// behaviour of the registers.
/// </para>
/// </remarks>
internal sealed class PartitionSyntheticMsrs
{
    /// <summary>HV_X64_MSR_HYPERCALL and HV_X64_MSR_REFERENCE_TSC bit 0: enable.</summary>
    private const ulong EnableBit = 1UL << 0;

    /// <summary>HV_X64_MSR_HYPERCALL bit 1: locked; only a system reset clears it (TLFS hypercall-interface.md).</summary>
    private const ulong LockedBit = 1UL << 1;

    /// <summary>Bits 63:12 of both page MSRs: the GPA of the page (bits 11:1 / 11:2 are RsvdP, kept as written).</summary>
    private const ulong PageAddressMask = ~0xFFFUL;

    private readonly Lock _lock = new();
    private readonly IHyperVPlatform _platform;
    private readonly byte[] _hypercallCode;
    private readonly OverlayPage _hypercallPage;
    private readonly OverlayPage _referenceTscPage;
    private readonly ulong _tscScale;

    private ulong _guestOsId;
    private ulong _hypercall;
    private ulong _referenceTsc;
    private uint _tscSequence;
    private long _tscOffset;
    private volatile bool _timeStarted;

    /// <summary>Creates the registers in their power-on state (all zero).</summary>
    /// <param name="memory">Guest RAM the two overlay pages are laid on.</param>
    /// <param name="platform">Source of the guest TSC.</param>
    /// <param name="hypercallCode">The stub for offset 0 of the hypercall page (may be empty when the page can never be enabled).</param>
    /// <param name="tscScale">TscScale for the guest TSC frequency (0 when reference time is not offered).</param>
    public PartitionSyntheticMsrs(GuestMemory memory, IHyperVPlatform platform, ReadOnlySpan<byte> hypercallCode, ulong tscScale)
    {
        _platform = platform;
        _hypercallCode = hypercallCode.ToArray();
        _hypercallPage = new OverlayPage(memory);
        _referenceTscPage = new OverlayPage(memory);
        _tscScale = tscScale;
    }

    /// <summary>HV_X64_MSR_GUEST_OS_ID.</summary>
    public ulong GuestOsId
    {
        get
        {
            lock (_lock)
            {
                return _guestOsId;
            }
        }
    }

    /// <summary>HV_X64_MSR_HYPERCALL as the guest reads it.</summary>
    public ulong Hypercall
    {
        get
        {
            lock (_lock)
            {
                return _hypercall;
            }
        }
    }

    /// <summary>HV_X64_MSR_REFERENCE_TSC as the guest reads it.</summary>
    public ulong ReferenceTsc
    {
        get
        {
            lock (_lock)
            {
                return _referenceTsc;
            }
        }
    }

    /// <summary>True while the hypercall page is enabled (HV_X64_MSR_HYPERCALL bit 0 reads 1).</summary>
    public bool IsHypercallPageEnabled
    {
        get
        {
            lock (_lock)
            {
                return (_hypercall & EnableBit) != 0;
            }
        }
    }

    /// <summary>
    /// Writes HV_X64_MSR_GUEST_OS_ID. Any value is accepted; zero disables an enabled hypercall page (TLFS
    /// hypercall-interface.md "Reporting the Guest OS Identity"), even a locked one: that rule is unconditional in
    /// the TLFS, while the lock only keeps the MSR from being rewritten (so the page stays off until reset).
    /// </summary>
    public void WriteGuestOsId(ulong value)
    {
        lock (_lock)
        {
            _guestOsId = value;
            if (value == 0 && (_hypercall & EnableBit) != 0)
            {
                _hypercall &= ~EnableBit;
                _hypercallPage.Unmap();
            }
        }
    }

    /// <summary>
    /// Writes HV_X64_MSR_HYPERCALL (TLFS hypercall-interface.md "Establishing the Hypercall Interface"):
    /// ignored once locked; the enable bit stays 0 while GUEST_OS_ID is 0; enabling lays the hypercall page over
    /// the RAM page at bits 63:12, or faults (#GP) when that page is not guest RAM; disabling puts the RAM back.
    /// </summary>
    public MsrAccessResult WriteHypercall(ulong value)
    {
        lock (_lock)
        {
            if ((_hypercall & LockedBit) != 0)
            {
                return MsrAccessResult.Ok;
            }

            if (_guestOsId == 0)
            {
                value &= ~EnableBit;
            }

            if ((value & EnableBit) != 0)
            {
                // TLFS: a page "beyond the bounds of the GPA space" faults the write. Any page that is not RAM faults
                // here too: the overlay is emulated in RAM, and holes have no backing to put it in.
                if (!_hypercallPage.TryMap(value & PageAddressMask, out Span<byte> page))
                {
                    return MsrAccessResult.GeneralProtection;
                }

                HypercallPage.Fill(page, _hypercallCode);
            }
            else
            {
                _hypercallPage.Unmap();
            }

            _hypercall = value;
            return MsrAccessResult.Ok;
        }
    }

    /// <summary>
    /// Writes HV_X64_MSR_REFERENCE_TSC (TLFS timers.md): enabling lays the reference TSC page over the RAM page at
    /// bits 63:12 and publishes it with a new sequence; a page outside RAM is accepted but not shown ("the
    /// reference TSC page will not be accessible to the guest"); disabling puts the RAM back.
    /// </summary>
    public void WriteReferenceTsc(int processorIndex, ulong value)
    {
        bool enable = (value & EnableBit) != 0;
        if (enable && !_timeStarted)
        {
            StartReferenceTime(_platform.ReadGuestTsc(processorIndex));
        }

        lock (_lock)
        {
            if (enable && _referenceTscPage.TryMap(value & PageAddressMask, out Span<byte> page))
            {
                _tscSequence = ReferenceTscPage.NextSequence(_tscSequence);
                ReferenceTscPage.Write(page, _tscSequence, _tscScale, _tscOffset);
            }
            else
            {
                _referenceTscPage.Unmap();
            }

            _referenceTsc = value;
        }
    }

    /// <summary>
    /// HV_X64_MSR_TIME_REF_COUNT for the calling processor: its guest TSC now, through the same scale and offset as
    /// the reference TSC page (<see cref="ReferenceTscPage.ReferenceTime"/>), so a guest reading both agrees.
    /// </summary>
    /// <remarks>
    /// Lock-free and allocation-free once reference time has started. Monotonic and equal across processors as far
    /// as the guest TSC is (KVM synchronises the vCPUs' TSCs at creation). The TLFS asks for strictly increasing
    /// reads; two reads 100 ns apart cannot happen through MSR exits, which take microseconds each. Nothing clamps
    /// the value: that would break the agreement with the page.
    /// </remarks>
    public ulong ReadTimeRefCount(int processorIndex)
    {
        // Test the flag before reading the TSC: a processor that started the clock read its TSC before it set the
        // flag, so a TSC read after seeing the flag is at or past the zero point and cannot wrap below 0.
        bool started = _timeStarted;
        ulong tsc = _platform.ReadGuestTsc(processorIndex);
        if (!started)
        {
            StartReferenceTime(tsc);

            // Another processor may have started the clock between our read and our start, from a later TSC: read
            // again, now that the flag is set, for the same reason.
            tsc = _platform.ReadGuestTsc(processorIndex);
        }

        return ReferenceTscPage.ReferenceTime(tsc, _tscScale, _tscOffset);
    }

    /// <summary>
    /// Back to the power-on state (all zero, pages off, reference time not started) without writing guest memory:
    /// the VMM reloads RAM after a reset, and restoring the RAM under the overlays could overwrite what it loaded.
    /// </summary>
    /// <remarks>Only while no processor runs.</remarks>
    public void Reset()
    {
        lock (_lock)
        {
            _guestOsId = 0;
            _hypercall = 0;
            _referenceTsc = 0;
            _hypercallPage.Forget();
            _referenceTscPage.Forget();
            _tscOffset = 0;
            _timeStarted = false;
        }
    }

    /// <summary>
    /// Fixes the zero point of reference time at guest TSC <paramref name="tsc"/>, once: the first processor to
    /// need reference time sets it (see <see cref="SyntheticMsrs"/> remarks on why not at creation).
    /// </summary>
    private void StartReferenceTime(ulong tsc)
    {
        lock (_lock)
        {
            if (!_timeStarted)
            {
                _tscOffset = ReferenceTscPage.OffsetFor(tsc, _tscScale);
                _timeStarted = true;
            }
        }
    }
}

using Vmm.Core.Memory;

namespace Vmm.HyperV.Msrs;

/// <summary>
/// A hypervisor page laid over one page of guest RAM (a TLFS "GPA overlay page": the hypercall page, the reference
/// TSC page). While mapped it covers whatever RAM is at its GPA; once unmapped that RAM shows through again.
/// </summary>
/// <remarks>
/// <para>
/// Guest RAM is one flat mapping shared with the backend, so the overlay is emulated: mapping saves the RAM page
/// into a private buffer and lets the owner write the overlay's contents in place; unmapping (disable, or a move
/// to another GPA) writes the saved bytes back. The guest's view therefore matches TLFS hypercall-interface.md
/// ("it covers whatever else is mapped to the GPA range"), except that the page stays writable: guest writes to it
/// are not refused with #GP as on Hyper-V, and are lost when it is unmapped.
/// </para>
/// <para>
/// Not thread-safe: the owner serialises every call (the partition-wide MSR lock). Two overlays placed on the same
/// GPA by the guest stack: each saves what it covered, so they must be unmapped in reverse order to restore the
/// RAM; in any other order the RAM gets a stale copy, which only such a (pointless) guest can observe.
/// </para>
/// </remarks>
internal sealed class OverlayPage
{
    /// <summary>Size of an overlay page.</summary>
    public const int Size = 4096;

    private readonly GuestMemory _memory;
    private readonly byte[] _underlying = new byte[Size];

    /// <summary>Creates an unmapped overlay over <paramref name="memory"/>.</summary>
    public OverlayPage(GuestMemory memory)
    {
        _memory = memory;
    }

    /// <summary>True while the overlay covers guest RAM.</summary>
    public bool IsMapped { get; private set; }

    /// <summary>The GPA the overlay covers while <see cref="IsMapped"/>.</summary>
    public ulong GuestPhysicalAddress { get; private set; }

    /// <summary>
    /// Maps the overlay at <paramref name="gpa"/> (page-aligned), moving it if it is mapped elsewhere, and returns
    /// the page to write its contents into. False, with nothing changed, when the page is not guest RAM.
    /// </summary>
    public bool TryMap(ulong gpa, out Span<byte> page)
    {
        if (!_memory.TryGetSpan(gpa, Size, out page))
        {
            return false;
        }

        if (IsMapped && GuestPhysicalAddress == gpa)
        {
            return true;
        }

        Unmap();
        page.CopyTo(_underlying);
        GuestPhysicalAddress = gpa;
        IsMapped = true;
        return true;
    }

    /// <summary>Unmaps the overlay and puts back the RAM it covered; nothing when it is not mapped.</summary>
    public void Unmap()
    {
        if (!IsMapped)
        {
            return;
        }

        // The page was RAM when mapped and the region list never changes, so this cannot fail.
        _memory.TryWrite(GuestPhysicalAddress, _underlying);
        IsMapped = false;
    }

    /// <summary>Forgets the mapping without touching guest memory (system reset: the VMM reloads RAM itself).</summary>
    public void Forget() => IsMapped = false;
}

namespace Vmm.HyperV.Msrs;

/// <summary>The contents of the hypercall page the VMM shows the guest once HV_X64_MSR_HYPERCALL is enabled.</summary>
/// <remarks>
/// <para>
/// The guest enters the page with a near CALL to offset 0 and expects the equivalent of a near RET (TLFS
/// hypercall-interface.md "Establishing the Hypercall Interface"). Offset 0 holds the backend's stub
/// (<see cref="Vmm.Core.Hypervisor.IPartition.HypercallPageCode"/>: KVM <c>out imm8, al; ret</c>, WHP
/// <c>vmcall; ret</c> or <c>vmmcall; ret</c>; docs/hyperv.md#hypercall-page).
/// </para>
/// <para>
/// Every other byte is INT3 (<see cref="Filler"/>), as OpenVMM does (docs/hyperv.md#hypercall-page). The page is the
/// hypervisor's, not the guest's, so nothing of the RAM underneath may show through; a guest that jumps anywhere
/// but offset 0 (a stale entry point from another hypervisor's layout, a corrupted pointer) then takes #BP at
/// once instead of running leftover bytes. Zero filler would decode as <c>add [rax], al</c> and run on.
/// </para>
/// </remarks>
public static class HypercallPage
{
    /// <summary>Size of the page.</summary>
    public const int Size = 4096;

    /// <summary>The byte after the stub: INT3.</summary>
    public const byte Filler = 0xCC;

    /// <summary>Writes <paramref name="code"/> at offset 0 of <paramref name="page"/> and <see cref="Filler"/> everywhere else.</summary>
    /// <exception cref="ArgumentException">The page is not <see cref="Size"/> bytes, or the code is empty or does not fit.</exception>
    public static void Fill(Span<byte> page, ReadOnlySpan<byte> code)
    {
        if (page.Length != Size)
        {
            throw new ArgumentException($"The hypercall page is {Size} bytes, not {page.Length}.", nameof(page));
        }

        ValidateCode(code);
        code.CopyTo(page);
        page[code.Length..].Fill(Filler);
    }

    /// <summary>Checks that <paramref name="code"/> can be a hypercall stub: 1 to <see cref="Size"/> bytes.</summary>
    /// <exception cref="ArgumentException">The code is empty or longer than a page.</exception>
    public static void ValidateCode(ReadOnlySpan<byte> code)
    {
        if (code.IsEmpty || code.Length > Size)
        {
            throw new ArgumentException($"A hypercall stub is 1 to {Size} bytes, not {code.Length}.", nameof(code));
        }
    }
}

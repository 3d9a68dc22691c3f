using Vmm.Core.Memory;

namespace Vmm.HyperV.Msrs;

/// <summary>The synthetic MSR state of one virtual processor: today only HV_X64_MSR_VP_ASSIST_PAGE.</summary>
/// <remarks>
/// Touched only on its processor's own thread (an MSR exit of that processor), so it has no lock (docs/design.md#locking);
/// <see cref="Reset"/> runs while no processor does.
/// </remarks>
internal sealed class VpSyntheticMsrs
{
    /// <summary>HV_X64_MSR_VP_ASSIST_PAGE bit 0: enable.</summary>
    private const ulong EnableBit = 1UL << 0;

    /// <summary>Bits 63:12: the GPA of the page (bits 11:1 are RsvdP, kept as written).</summary>
    private const ulong PageAddressMask = ~0xFFFUL;

    /// <summary>HV_X64_MSR_VP_ASSIST_PAGE as the guest reads it.</summary>
    public ulong VpAssistPage { get; private set; }

    /// <summary>
    /// Writes HV_X64_MSR_VP_ASSIST_PAGE. The value is stored as written. On enable, when the page is RAM, the
    /// 32-bit apic_assist field at offset 0 is cleared (as KVM does, docs/hyperv.md#synthetic-msrs): this VMM never grants
    /// NoEOIRequired (bit 0), and a stale 1 there would make the guest skip an EOI and wedge its local APIC.
    /// A page outside RAM is accepted and ignored; nothing in this VMM reads or writes it.
    /// </summary>
    public void WriteVpAssistPage(GuestMemory memory, ulong value)
    {
        if ((value & EnableBit) != 0)
        {
            memory.TryWrite(value & PageAddressMask, 0u);
        }

        VpAssistPage = value;
    }

    /// <summary>Back to the power-on state (0: disabled) without writing guest memory.</summary>
    public void Reset() => VpAssistPage = 0;
}

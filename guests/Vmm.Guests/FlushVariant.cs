using Vmm.HyperV.Cpuid;

namespace Vmm.Guests;

/// <summary>
/// The names of the remote-flush hypercall forms that the flush-coherence guests (`tlbcoherence`, `tlbstorm`)
/// cycle through, in their order: the guests choose the forms themselves (guests/c/lib/flush.c, from the hypervisor
/// CPUID leaves), and the tests compare the list the guests print with this one.
/// </summary>
internal static class FlushVariant
{
    /// <summary>
    /// Most sparse banks an XMM-fast Ex call can carry: RDX, R8 and XMM0-XMM5 hold 112 bytes, and an Ex list with b
    /// banks takes 16 (header) + 16 (format, ValidBanksMask) + 8b + 8 (one GVA entry).
    /// </summary>
    public const int MaxXmmBanks = 9;

    /// <summary>
    /// The forms <paramref name="profile"/> offers, in cycling order. The mask forms are left out when a VP index
    /// is 64 or more (a 64-bit ProcessorMask cannot name it, TLFS HvCallFlushVirtualAddressSpace); the Ex forms
    /// need the tlbflush-ex recommendation (CPUID 0x40000004.EAX bit 11). With XMM fast input offered (CPUID
    /// 0x40000003.EDX bit 4) each is followed, after the slow forms, by its XMM-fast form ("NAME-xmm") when its input
    /// fits (the flush inputs are at least 24 bytes, so the register-only fast form cannot carry them).
    /// </summary>
    public static List<string> Names(HyperVFeatureProfile profile, IReadOnlyList<int> vpIndices)
    {
        bool masks = vpIndices.All(i => i < 64);
        var slow = new List<(string Name, bool Ex, bool All)>();
        if (profile.Has(HyperVFeature.TlbFlush))
        {
            slow.AddRange(new[] { ("space", false, false), ("space-all", false, true), ("list", false, false) }.Where(f => masks || f.Item3));
        }

        if (profile.Has(HyperVFeature.TlbFlushEx))
        {
            slow.AddRange([("space-ex", true, false), ("space-ex-all", true, true), ("list-ex", true, false)]);
        }

        List<string> names = [.. slow.Select(f => f.Name)];
        if (profile.Has(HyperVFeature.XmmInput))
        {
            int banks = vpIndices.Select(i => i / 64).Distinct().Count();
            names.AddRange(slow.Where(f => !f.Ex || f.All || banks <= MaxXmmBanks).Select(f => f.Name + "-xmm"));
        }

        return names;
    }
}

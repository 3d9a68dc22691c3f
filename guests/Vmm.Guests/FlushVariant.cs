using Vmm.HyperV.Cpuid;
using Vmm.HyperV.Tlfs;

namespace Vmm.Guests;

/// <summary>
/// One form of the remote-flush hypercall that the coherence guests cycle through: the call, whether it takes an
/// HV_VP_SET (Ex) or a 64-bit processor mask, whether it carries a GVA list, and whether it names every processor
/// (HV_FLUSH_ALL_PROCESSORS, or HV_GENERIC_SET_ALL for the Ex calls), and whether it is the XMM-fast form (input in
/// RDX, R8 and XMM0-XMM5 instead of a guest page).
/// </summary>
internal sealed record FlushVariant(string Name, HvCallCode Code, bool Ex, bool List, bool All, bool Fast = false)
{
    /// <summary>
    /// Most sparse banks an XMM-fast Ex call can carry: RDX, R8 and XMM0-XMM5 hold 112 bytes, and an Ex list with b
    /// banks takes 16 (header) + 16 (format, ValidBanksMask) + 8b + 8 (one GVA entry).
    /// </summary>
    public const int MaxXmmBanks = 9;

    /// <summary>
    /// The variants <paramref name="profile"/> offers, in cycling order. The mask forms are left out when a VP index
    /// is 64 or more (a 64-bit ProcessorMask cannot name it, TLFS HvCallFlushVirtualAddressSpace); the Ex forms
    /// need the tlbflush-ex recommendation (CPUID 0x40000004.EAX bit 11). With XMM fast input offered (CPUID
    /// 0x40000003.EDX bit 4) each is followed, after the slow forms, by its XMM-fast form ("NAME-xmm") when its input
    /// fits (the flush inputs are at least 24 bytes, so the register-only fast form cannot carry them).
    /// </summary>
    public static List<FlushVariant> For(HyperVFeatureProfile profile, IReadOnlyList<int> vpIndices)
    {
        bool masks = vpIndices.All(i => i < 64);
        var list = new List<FlushVariant>();
        if (profile.Has(HyperVFeature.TlbFlush))
        {
            if (masks)
            {
                list.Add(new FlushVariant("space", HvCallCode.HvCallFlushVirtualAddressSpace, Ex: false, List: false, All: false));
            }

            list.Add(new FlushVariant("space-all", HvCallCode.HvCallFlushVirtualAddressSpace, Ex: false, List: false, All: true));
            if (masks)
            {
                list.Add(new FlushVariant("list", HvCallCode.HvCallFlushVirtualAddressList, Ex: false, List: true, All: false));
            }
        }

        if (profile.Has(HyperVFeature.TlbFlushEx))
        {
            list.Add(new FlushVariant("space-ex", HvCallCode.HvCallFlushVirtualAddressSpaceEx, Ex: true, List: false, All: false));
            list.Add(new FlushVariant("space-ex-all", HvCallCode.HvCallFlushVirtualAddressSpaceEx, Ex: true, List: false, All: true));
            list.Add(new FlushVariant("list-ex", HvCallCode.HvCallFlushVirtualAddressListEx, Ex: true, List: true, All: false));
        }

        if (profile.Has(HyperVFeature.XmmInput))
        {
            int banks = vpIndices.Select(i => i / 64).Distinct().Count();
            foreach (FlushVariant slow in list.ToArray())
            {
                if (!slow.Ex || slow.All || banks <= MaxXmmBanks)
                {
                    list.Add(slow with { Name = slow.Name + "-xmm", Fast = true });
                }
            }
        }

        return list;
    }
}

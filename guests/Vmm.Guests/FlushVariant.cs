using Vmm.HyperV.Cpuid;
using Vmm.HyperV.Tlfs;

namespace Vmm.Guests;

/// <summary>
/// One form of the remote-flush hypercall that the coherence guests cycle through: the call, whether it takes an
/// HV_VP_SET (Ex) or a 64-bit processor mask, whether it carries a GVA list, and whether it names every processor
/// (HV_FLUSH_ALL_PROCESSORS, or HV_GENERIC_SET_ALL for the Ex calls).
/// </summary>
internal sealed record FlushVariant(string Name, HvCallCode Code, bool Ex, bool List, bool All)
{
    /// <summary>
    /// The variants <paramref name="profile"/> offers, in cycling order. The mask forms are left out when a VP index
    /// is 64 or more (a 64-bit ProcessorMask cannot name it, TLFS HvCallFlushVirtualAddressSpace); the Ex forms
    /// need the tlbflush-ex recommendation (CPUID 0x40000004.EAX bit 11).
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

        return list;
    }
}

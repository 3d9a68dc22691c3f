namespace Vmm.HyperV.Tlfs;

/// <summary>
/// The Format QWORD of an HV_VP_SET (TLFS datatypes/hv_vp_set.md; docs/hyperv.md#vp-sets).
/// </summary>
public enum HvGenericSetFormat : ulong
{
    /// <summary>
    /// HV_GENERIC_SET_SPARSE_4K: ValidBanksMask plus one bank QWORD per set mask bit, ascending; bank b bit i is
    /// VP 64·b + i.
    /// </summary>
    Sparse4K = 0,

    /// <summary>HV_GENERIC_SET_ALL: every VP of the partition; mask and banks are ignored.</summary>
    All = 1,
}

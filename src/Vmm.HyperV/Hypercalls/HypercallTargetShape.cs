namespace Vmm.HyperV.Hypercalls;

/// <summary>How a flush or IPI hypercall named its targets (TLFS "HV_VP_SET", the ProcessorMask of the non-Ex calls).</summary>
public enum HypercallTargetShape : byte
{
    /// <summary>Not a call with targets, or it failed before they were read.</summary>
    None,

    /// <summary>A 64-bit ProcessorMask (non-Ex calls).</summary>
    Mask,

    /// <summary>An HV_VP_SET in HV_GENERIC_SET_SPARSE_4K format (Ex calls).</summary>
    Sparse,

    /// <summary>Every VP: HV_FLUSH_ALL_PROCESSORS, or HV_GENERIC_SET_ALL.</summary>
    All,
}

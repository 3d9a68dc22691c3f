using System.Runtime.CompilerServices;

namespace Vmm.HyperV.Hypercalls;

/// <summary>
/// The guest code bytes just before a call's return address (the call instruction ends there), inline in a trace
/// record so recording it allocates nothing.
/// </summary>
[InlineArray(Length)]
public struct HypercallCallSite
{
    /// <summary>Bytes kept: the longest x86 instruction is 15 bytes, so one more than that.</summary>
    public const int Length = 16;

    private byte _first;
}

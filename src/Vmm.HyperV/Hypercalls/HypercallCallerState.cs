namespace Vmm.HyperV.Hypercalls;

/// <summary>How far a hypercall trace got in naming a call's caller (<see cref="HypercallTraceRecord.ReturnAddress"/>).</summary>
public enum HypercallCallerState : byte
{
    /// <summary>Not read: no register source (the trace was not asked for callers), or the call was not traced.</summary>
    NotRead,

    /// <summary>The return address and the code before it were read.</summary>
    Read,

    /// <summary>The backend could not read RSP or CR3.</summary>
    RegistersUnavailable,

    /// <summary>RSP does not translate to guest RAM through the guest's page tables.</summary>
    StackUnreadable,

    /// <summary>The return address was read, but the code before it does not translate to guest RAM.</summary>
    CodeUnreadable,
}

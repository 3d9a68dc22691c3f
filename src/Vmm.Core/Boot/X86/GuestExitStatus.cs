namespace Vmm.Core.Boot.X86;

/// <summary>
/// The status a guest writes to the exit port (0x500) to end the VM. 0 means pass; the VMM's exit code is
/// the guest's verdict.
/// </summary>
public static class GuestExitStatus
{
    /// <summary>The guest's checks passed.</summary>
    public const uint Pass = 0;

    /// <summary>The guest's checks failed.</summary>
    public const uint Fail = 1;

    /// <summary>
    /// High bits of the status the default interrupt stubs report: 0xE0000000 | vector. A guest that takes an
    /// exception or interrupt it did not install a handler for ends the VM this way.
    /// </summary>
    public const uint UnexpectedVectorBase = 0xE000_0000;

    /// <summary>Whether <paramref name="status"/> came from a default interrupt stub, and its vector.</summary>
    public static bool IsUnexpectedVector(uint status, out byte vector)
    {
        vector = (byte)status;
        return (status & 0xFFFF_FF00) == UnexpectedVectorBase;
    }

    /// <summary>A short description of <paramref name="status"/>.</summary>
    public static string Describe(uint status)
    {
        if (IsUnexpectedVector(status, out byte vector))
        {
            return $"unexpected {VectorName(vector)} (vector {vector}) in the guest";
        }

        return status == Pass ? "pass" : $"fail (status {status})";
    }

    /// <summary>The SDM mnemonic of an exception vector ("#UD"), or "interrupt".</summary>
    public static string VectorName(byte vector) => vector switch
    {
        0 => "#DE",
        1 => "#DB",
        2 => "NMI",
        3 => "#BP",
        4 => "#OF",
        5 => "#BR",
        6 => "#UD",
        7 => "#NM",
        8 => "#DF",
        10 => "#TS",
        11 => "#NP",
        12 => "#SS",
        13 => "#GP",
        14 => "#PF",
        16 => "#MF",
        17 => "#AC",
        18 => "#MC",
        19 => "#XM",
        _ => vector < 32 ? "exception" : "interrupt",
    };
}

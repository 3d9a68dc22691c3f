using static Vmm.Whp.Interop.WinHvPlatform;

namespace Vmm.Whp;

/// <summary>
/// What <see cref="WhpExitMapper"/> needs from one virtual processor besides the exit context: batched
/// register reads and writes, and guest-virtual to guest-physical translation. The real implementation
/// (<see cref="WhpRegisterAccess"/>) calls WinHvPlatform; tests substitute a fake, so the exit mapping is
/// exercised on any OS.
/// </summary>
/// <remarks>Used only on the VP's own thread. Failures are platform failures and throw <see cref="Vmm.Core.Hypervisor.HypervisorException"/>.</remarks>
internal interface IWhpRegisterAccess
{
    /// <summary>Reads the registers named in <paramref name="names"/> into <paramref name="values"/> (same length, same order).</summary>
    void GetRegisters(ReadOnlySpan<WHV_REGISTER_NAME> names, Span<WHV_REGISTER_VALUE> values);

    /// <summary>Writes <paramref name="values"/> to the registers named in <paramref name="names"/>, as one batch.</summary>
    void SetRegisters(ReadOnlySpan<WHV_REGISTER_NAME> names, ReadOnlySpan<WHV_REGISTER_VALUE> values);

    /// <summary>
    /// Translates <paramref name="gva"/> through the VP's current page tables, checking read (or write)
    /// access without privilege checks; false when the walk fails (not present, unmapped GPA, ...).
    /// </summary>
    bool TryTranslateGva(ulong gva, bool write, out ulong gpa);
}

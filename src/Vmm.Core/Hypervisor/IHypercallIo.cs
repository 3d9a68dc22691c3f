namespace Vmm.Core.Hypervisor;

/// <summary>
/// Where one hypercall's inputs and outputs live (TLFS "Hypercall Interface", x64 register ABI): RCX the input
/// value (control word), RDX and R8 the input and output GPAs or fast input, XMM0-XMM5 the XMM-fast input,
/// RAX the result. Implemented once per virtual processor by each backend; the Hyper-V code never learns which
/// transport carried the call (docs/design.md#hypercall-transport).
/// </summary>
/// <remarks>
/// Exactly one of <see cref="Complete"/>, <see cref="Continue"/> or <see cref="InjectInvalidOpcode"/> ends each
/// call. Valid only during <see cref="IVcpuExitHandler.Hypercall"/>, on the vCPU's own thread.
/// </remarks>
public interface IHypercallIo
{
    /// <summary>The calling vCPU's index.</summary>
    int ProcessorIndex { get; }

    /// <summary>RCX: the hypercall input value.</summary>
    ulong Control { get; }

    /// <summary>RDX: the input parameters GPA, or the first fast input.</summary>
    ulong InputValue { get; }

    /// <summary>R8: the output parameters GPA, or the second fast input.</summary>
    ulong OutputValue { get; }

    /// <summary>Guest RIP of the hypercall instruction (inside the hypercall page), for traces and diagnostics.</summary>
    ulong InstructionPointer { get; }

    /// <summary>The caller's current privilege level.</summary>
    int Cpl { get; }

    /// <summary>CR0.PE: false in real mode.</summary>
    bool IsProtectedMode { get; }

    /// <summary>The caller runs in 64-bit mode (EFER.LMA and CS.L); hypercalls here use the x64 convention only.</summary>
    bool IsLongMode { get; }

    /// <summary>Reads XMM<paramref name="index"/> (0-5) for XMM-fast input.</summary>
    UInt128 GetXmm(int index);

    /// <summary>Writes XMM<paramref name="index"/> (0-5) for XMM-fast output.</summary>
    void SetXmm(int index, UInt128 value);

    /// <summary>Finishes the call: RAX = <paramref name="result"/>, and the guest continues after the call instruction.</summary>
    void Complete(ulong result);

    /// <summary>
    /// Leaves a rep call to be continued: RCX = <paramref name="control"/> (with the next rep start index) and the
    /// guest re-executes the call instruction, so the hypervisor resumes where it stopped (TLFS "Rep Hypercall
    /// Restarting"). RAX is not changed.
    /// </summary>
    void Continue(ulong control);

    /// <summary>Raises #UD at the call instruction (a hypercall from CPL above 0 or from real mode).</summary>
    void InjectInvalidOpcode();
}

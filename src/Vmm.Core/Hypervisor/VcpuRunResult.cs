namespace Vmm.Core.Hypervisor;

/// <summary>The small result of one <see cref="IVirtualProcessor.Run"/>.</summary>
public readonly struct VcpuRunResult
{
    private VcpuRunResult(VcpuExitKind kind, string? diagnostic)
    {
        Kind = kind;
        Diagnostic = diagnostic;
    }

    /// <summary>Why the run returned.</summary>
    public VcpuExitKind Kind { get; }

    /// <summary>For <see cref="VcpuExitKind.Fault"/> and <see cref="VcpuExitKind.Shutdown"/>: what the platform reported.</summary>
    public string? Diagnostic { get; }

    /// <summary>The exit was serviced.</summary>
    public static VcpuRunResult Continue => new(VcpuExitKind.Continue, null);

    /// <summary>The processor halted.</summary>
    public static VcpuRunResult Halted => new(VcpuExitKind.Halted, null);

    /// <summary>The run was canceled by a kick.</summary>
    public static VcpuRunResult Canceled => new(VcpuExitKind.Canceled, null);

    /// <summary>The guest asked for a reset.</summary>
    public static VcpuRunResult Reset => new(VcpuExitKind.Reset, null);

    /// <summary>The guest shut down.</summary>
    public static VcpuRunResult Shutdown(string diagnostic) => new(VcpuExitKind.Shutdown, diagnostic);

    /// <summary>The platform failed to run the guest.</summary>
    public static VcpuRunResult Fault(string diagnostic) => new(VcpuExitKind.Fault, diagnostic);

    /// <inheritdoc />
    public override string ToString() => Diagnostic is null ? Kind.ToString() : $"{Kind}: {Diagnostic}";
}

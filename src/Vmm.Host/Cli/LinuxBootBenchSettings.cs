namespace Vmm.Host.Cli;

/// <summary>What `vmm bench linux-boot` boots, checked before any hypervisor is opened.</summary>
internal sealed record LinuxBootBenchSettings
{
    /// <summary>The Linux bzImage or vmlinux both runners boot.</summary>
    public required string KernelPath { get; init; }

    /// <summary>The initramfs both runners load.</summary>
    public required string InitrdPath { get; init; }

    /// <summary>vmm's kernel command line.</summary>
    public required string Append { get; init; }

    /// <summary>QEMU's kernel command line (<see cref="LinuxBootCommandLines.QemuAppend"/>).</summary>
    public required string QemuAppend { get; init; }

    /// <summary>Guest RAM in bytes, a whole number of MiB (both command lines give it in MiB).</summary>
    public required ulong Memory { get; init; }

    /// <summary>The vCPU counts, in the order given.</summary>
    public required IReadOnlyList<int> Cpus { get; init; }

    /// <summary>Boots per runner and vCPU count.</summary>
    public required int Runs { get; init; }

    /// <summary>vmm's `--hv` as given.</summary>
    public required string HyperV { get; init; }

    /// <summary>The QEMU executable, or null to measure vmm alone.</summary>
    public string? Qemu { get; init; }

    /// <summary>The program and leading arguments that start `vmm` (this executable, or `dotnet vmm.dll`).</summary>
    public required IReadOnlyList<string> Vmm { get; init; }

    /// <summary>The limit of one boot in seconds (0: none).</summary>
    public double TimeoutSeconds { get; init; }

    /// <summary>Also boot vmm inside the benchmark process.</summary>
    public bool InProcess { get; init; }

    /// <summary>`--backend` (vmm's, in-process and in the child).</summary>
    public string Backend { get; init; } = "auto";

    /// <summary>The runners of one run, in the order of run 1 (<see cref="LinuxBootCommandLines.Order"/> rotates it).</summary>
    public IReadOnlyList<LinuxBootRunner> Runners =>
        [LinuxBootRunner.Vmm, .. Qemu is null ? Array.Empty<LinuxBootRunner>() : [LinuxBootRunner.Qemu], .. InProcess ? [LinuxBootRunner.VmmInProcess] : Array.Empty<LinuxBootRunner>()];
}

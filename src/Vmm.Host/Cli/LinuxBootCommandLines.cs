using System.Globalization;

namespace Vmm.Host.Cli;

/// <summary>The command lines of the two child processes `vmm bench linux-boot` times, and the order of a run.</summary>
internal static class LinuxBootCommandLines
{
    /// <summary>The I/O port both VMMs end the VM at: vmm's exit port, QEMU's isa-debug-exit placed there.</summary>
    public const int ExitPort = 0x500;

    /// <summary>
    /// QEMU's exit status for the guest's pass verdict (0 written to the port): isa-debug-exit exits with
    /// (value &lt;&lt; 1) | 1 (QEMU hw/misc/debugexit.c), so 1.
    /// </summary>
    public const int QemuPassStatus = 1;

    /// <summary>
    /// QEMU's kernel command line: <paramref name="append"/> without <c>acpi=off</c>. vmm has no ACPI and describes
    /// its CPUs otherwise; QEMU with SeaBIOS names them to the kernel through ACPI's MADT. Measured (QEMU 7.2 with its
    /// SeaBIOS, TCG, -smp 2): with acpi=off the kernel found SeaBIOS's MP table listing only the boot CPU ("MPTABLE:
    /// ... Processor #0 (Bootup-CPU)", "Allowing 1 CPUs") and brought up 1 CPU; without it, 2.
    /// </summary>
    public static string QemuAppend(string append)
    {
        ArgumentNullException.ThrowIfNull(append);
        return string.Join(' ', append.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(t => !string.Equals(t, "acpi=off", StringComparison.Ordinal)));
    }

    /// <summary>
    /// The QEMU+KVM command line: the same kernel, initrd, vCPUs and RAM, nothing but COM1 on stdout (the console)
    /// and isa-debug-exit at vmm's exit port (QEMU documentation, "Invocation": -nodefaults, -no-user-config,
    /// -no-reboot; -accel kvm -cpu host as a KVM user runs it).
    /// </summary>
    public static IReadOnlyList<string> Qemu(LinuxBootBenchSettings settings, int cpus)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Qemu(settings, cpus, "host", settings.QemuAppend);
    }

    /// <summary>The same QEMU+KVM command line with the CPU model <paramref name="cpuModel"/> (-cpu) and kernel command line <paramref name="append"/>.</summary>
    public static IReadOnlyList<string> Qemu(LinuxBootBenchSettings settings, int cpus, string cpuModel, string append)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return
        [
            "-accel", "kvm", "-cpu", cpuModel,
            "-m", Mib(settings.Memory), "-smp", cpus.ToString(CultureInfo.InvariantCulture),
            "-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio",
            "-kernel", settings.KernelPath, "-initrd", settings.InitrdPath, "-append", append,
            "-device", $"isa-debug-exit,iobase=0x{ExitPort:x},iosize=0x01", "-no-reboot",
        ];
    }

    /// <summary>The `vmm run` arguments (after <see cref="LinuxBootBenchSettings.Vmm"/>) for the same boot.</summary>
    public static IReadOnlyList<string> Vmm(LinuxBootBenchSettings settings, int cpus)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Vmm(settings, cpus, settings.HyperV, settings.Append);
    }

    /// <summary>The same `vmm run` arguments with the profile <paramref name="hyperV"/> and kernel command line <paramref name="append"/>.</summary>
    public static List<string> Vmm(LinuxBootBenchSettings settings, int cpus, string hyperV, string append)
    {
        ArgumentNullException.ThrowIfNull(settings);
        List<string> args =
        [
            "run", "--backend", settings.Backend, "--kernel", settings.KernelPath, "--initrd", settings.InitrdPath, "--append", append,
            "--cpus", cpus.ToString(CultureInfo.InvariantCulture), "--memory", Mib(settings.Memory), "--hv", hyperV, "--serial", "stdio",
        ];
        if (settings.TimeoutSeconds > 0)
        {
            args.AddRange(["--timeout", settings.TimeoutSeconds.ToString(CultureInfo.InvariantCulture)]);
        }

        return args;
    }

    /// <summary>
    /// The runners of run <paramref name="run"/> (from 1), rotated by one each run so none always goes first (the
    /// first boot after a pause finds a colder page cache and host).
    /// </summary>
    public static IReadOnlyList<LinuxBootRunner> Order(IReadOnlyList<LinuxBootRunner> runners, int run)
    {
        ArgumentNullException.ThrowIfNull(runners);
        if (runners.Count == 0)
        {
            return [];
        }

        int shift = (run - 1) % runners.Count;
        return [.. runners.Skip(shift), .. runners.Take(shift)];
    }

    private static string Mib(ulong bytes) => (bytes >> 20).ToString(CultureInfo.InvariantCulture) + "M";
}

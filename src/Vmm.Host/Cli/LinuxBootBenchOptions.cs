using System.CommandLine;
using System.CommandLine.Parsing;
using Vmm.Core.Boot.Linux;
using Vmm.HyperV.Cpuid;

namespace Vmm.Host.Cli;

/// <summary>
/// The options of `vmm bench linux-boot` and <see cref="Check"/>, the command validator that yields the
/// <see cref="LinuxBootBenchSettings"/>: every file, the kernel's fit in RAM at the largest vCPU count, the profile
/// against it and the QEMU to compare with are checked before any hypervisor is opened (as `vmm run` does).
/// </summary>
internal sealed class LinuxBootBenchOptions
{
    private const string NoQemu = "none";

    private readonly int[] _defaultCpus;

    /// <summary>The options with the vCPU counts <paramref name="defaultCpus"/> when --cpus is not given (linux-boot's 1,2,4 without).</summary>
    public LinuxBootBenchOptions(IReadOnlyList<int>? defaultCpus = null)
    {
        _defaultCpus = [.. defaultCpus ?? LinuxBootBenchCommand.DefaultCpus];
        Cpus = new("--cpus")
        {
            Description = $"vCPU counts to measure, each from 1 to {RunOptions.MaxCpus} [default: {string.Join(',', _defaultCpus)}]",
            CustomParser = r => CliParsers.ParseIntList(r, 1, RunOptions.MaxCpus),
            HelpName = "LIST",
        };
    }

    public Option<string> Backend { get; } = RunOptions.BackendOption();

    public Option<string?> Kernel { get; } = InputFile("--kernel", "A Linux bzImage or vmlinux both VMMs boot [default: bzImage in $VMM_LINUX_GUEST_DIR or tools/linux-guest/build.sh's directory]");

    public Option<string?> Initrd { get; } = InputFile("--initrd", "The initramfs whose /init prints the marker (tools/linux-guest/init.sh) [default: initramfs.cpio.gz next to the default kernel]");

    public Option<string> Append { get; } = new("--append")
    {
        Description = "vmm's kernel command line; QEMU gets it without acpi=off",
        DefaultValueFactory = _ => LinuxBootBenchCommand.DefaultAppend,
        CustomParser = r =>
        {
            string text = r.Tokens.Count == 0 ? LinuxBootBenchCommand.DefaultAppend : r.Tokens[^1].Value;
            return System.Text.Encoding.UTF8.GetByteCount(text) > RunOptions.MaxCommandLineBytes || text.Contains('\0', StringComparison.Ordinal)
                ? CliParsers.Fail(r, $"{CliParsers.NameOf(r)} must be at most {RunOptions.MaxCommandLineBytes} bytes without NUL characters, as x86 Linux takes", text)
                : text;
        },
        HelpName = "TEXT",
    };

    public Option<string?> QemuAppend { get; } = new("--qemu-append")
    {
        Description = "QEMU's kernel command line [default: --append without acpi=off, as QEMU's guest learns its CPUs from ACPI]",
        CustomParser = r =>
        {
            string text = r.Tokens.Count == 0 ? string.Empty : r.Tokens[^1].Value;
            return System.Text.Encoding.UTF8.GetByteCount(text) > RunOptions.MaxCommandLineBytes || text.Contains('\0', StringComparison.Ordinal)
                ? CliParsers.Fail<string?>(r, $"{CliParsers.NameOf(r)} must be at most {RunOptions.MaxCommandLineBytes} bytes without NUL characters, as x86 Linux takes", text)
                : text;
        },
        HelpName = "TEXT",
    };

    public Option<int[]> Cpus { get; }

    public Option<int> Runs { get; } = new("--runs")
    {
        Description = "Boots per VMM and vCPU count; the medians are reported (1 to 1000)",
        DefaultValueFactory = _ => 3,
        CustomParser = r => CliParsers.ParseInt(r, 1, 1000),
        HelpName = "R",
    };

    public Option<ulong> Memory { get; } = new("--memory")
    {
        Description = "Guest RAM, a whole number of MiB from 16M (a bare number is MiB) [default: 512M]",
        CustomParser = r =>
        {
            ulong bytes = RunOptions.ParseMemory(r);
            return bytes % (1UL << 20) == 0 ? bytes : CliParsers.Fail(r, $"{CliParsers.NameOf(r)} must be a whole number of MiB (both VMMs are given it in MiB), not {CliParsers.Token(r)}", bytes);
        },
        HelpName = "SIZE",
    };

    /// <summary>`--hv` as written (the child vmm is given the same text), checked by parsing it.</summary>
    public Option<string> HyperV { get; } = new("--hv")
    {
        Description = "vmm's Hyper-V profile, as vmm run takes it",
        DefaultValueFactory = _ => LinuxBootBenchCommand.DefaultHyperV,
        CustomParser = r =>
        {
            string text = CliParsers.Token(r) ?? string.Empty;
            return HyperVSpec.TryParse(text, CliParsers.NameOf(r), out _, out string? e) ? text : CliParsers.Fail(r, e, text);
        },
        HelpName = "SPEC",
    };

    public Option<string?> Qemu { get; } = new("--qemu")
    {
        Description = $"The QEMU to compare with: a path, a name on PATH, or none (vmm alone) [default: {LinuxBootBenchCommand.DefaultQemu} on PATH, or vmm alone when there is none]",
        CustomParser = r =>
        {
            string text = CliParsers.Token(r) ?? string.Empty;
            if (string.Equals(text, NoQemu, StringComparison.OrdinalIgnoreCase))
            {
                return NoQemu;
            }

            return Executables.Find(text) ?? CliParsers.Fail<string?>(r, $"{CliParsers.NameOf(r)} '{text}' is not an executable file{(text.Contains('/', StringComparison.Ordinal) ? string.Empty : " on PATH")} (give a path, or none to measure vmm alone)", null);
        },
        HelpName = "PATH|none",
    };

    public Option<string?> Vmm { get; } = new("--vmm")
    {
        Description = "The vmm executable booted as a child process [default: this one]",
        CustomParser = r => Executables.Find(CliParsers.Token(r) ?? string.Empty) is string path && path.Contains('/', StringComparison.Ordinal)
            ? path
            : CliParsers.Fail<string?>(r, $"{CliParsers.NameOf(r)} '{CliParsers.Token(r)}' is not an executable file", null),
        HelpName = "PATH",
    };

    public Option<bool> InProcess { get; } = new("--in-process") { Description = "Also boot vmm inside this process (no .NET start, warm JIT), in the same interleaving" };

    public Option<double> Timeout { get; } = new("--timeout")
    {
        Description = "Limit of one boot in seconds, e.g. 600 or 0.5 (0 = none)",
        DefaultValueFactory = _ => LinuxBootBenchCommand.DefaultTimeoutSeconds,
        CustomParser = CliParsers.ParseSeconds,
        HelpName = "SECONDS",
    };

    public Option<bool> Json { get; } = new("--json") { Description = "Print one JSON object instead of a table" };

    /// <summary>Adds every option and the cross-option validator to <paramref name="command"/>.</summary>
    public void AddTo(Command command) =>
        CommandOptions.Register(command, (Option[])[Backend, Kernel, Initrd, Append, QemuAppend, Cpus, Runs, Memory, HyperV, Qemu, Vmm, InProcess, Timeout, Json], (result, errors) => _ = Check(result, errors));

    /// <summary>True when no --qemu was given (then a missing QEMU means "vmm alone", said in one line).</summary>
    public bool QemuWasDefaulted(SymbolResult result) => !new OptionReader(result).Given(Qemu);

    /// <summary>Reads every option, then checks what depends on several; the settings, or null with the mistakes added to <paramref name="errors"/>.</summary>
    public LinuxBootBenchSettings? Check(SymbolResult result, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(errors);
        var reader = new OptionReader(result);
        string backend = reader.Get(Backend) ?? "auto";
        string? kernelPath = reader.Get(Kernel);
        string? initrdPath = reader.Get(Initrd);
        string append = reader.Get(Append) ?? LinuxBootBenchCommand.DefaultAppend;
        string? qemuAppend = reader.Get(QemuAppend);
        int[] cpus = reader.Given(Cpus) ? reader.Get(Cpus) ?? [] : [.. _defaultCpus];
        int runs = reader.Get(Runs);
        ulong memory = reader.Given(Memory) ? reader.Get(Memory) : LinuxBootBenchCommand.DefaultMemory;
        string hvSpec = reader.Get(HyperV) ?? LinuxBootBenchCommand.DefaultHyperV;
        HyperVFeatureProfile? profile = reader.Valid(HyperV) && HyperVSpec.TryParse(hvSpec, "--hv", out HyperVFeatureProfile? parsed, out _) ? parsed : null;
        string? qemu = reader.Get(Qemu);
        string? vmm = reader.Get(Vmm);
        bool inProcess = reader.Get(InProcess);
        double timeout = reader.Get(Timeout);
        int before = errors.Count;

        string dir = LinuxGuestArtifacts.Directory();
        if (!reader.Given(Kernel))
        {
            kernelPath = DefaultArtifact(dir, "bzImage", "--kernel", errors);
        }

        if (!reader.Given(Initrd))
        {
            initrdPath = DefaultArtifact(dir, "initramfs.cpio.gz", "--initrd", errors);
        }

        if (profile is not null && reader.Valid(HyperV) && reader.Valid(Cpus) && cpus.Length > 0 && HyperVSpec.CheckFits(profile, cpus.Max(), "--cpus") is string fit)
        {
            errors.Add(fit);
        }

        // The kernel must be Linux and, with its initrd and command line, fit the RAM at the largest vCPU count.
        if (kernelPath is not null && initrdPath is not null && reader.Valid(Kernel) && reader.Valid(Initrd) && reader.Valid(Memory) && reader.Valid(Append) && reader.Valid(Cpus) && cpus.Length > 0)
        {
            CheckKernel(kernelPath, initrdPath, append, memory, cpus.Max(), errors);
        }

        if (errors.Count > before || reader.HasErrors || kernelPath is null || initrdPath is null || profile is null || cpus.Length == 0)
        {
            return null;
        }

        if (!reader.Given(Qemu))
        {
            qemu = Executables.Find(LinuxBootBenchCommand.DefaultQemu);
        }

        return new LinuxBootBenchSettings
        {
            KernelPath = Path.GetFullPath(kernelPath),
            InitrdPath = Path.GetFullPath(initrdPath),
            Append = append,
            QemuAppend = reader.Given(QemuAppend) && qemuAppend is not null ? qemuAppend : LinuxBootCommandLines.QemuAppend(append),
            Memory = memory,
            Cpus = cpus,
            Runs = runs,
            HyperV = hvSpec,
            Qemu = qemu == NoQemu ? null : qemu,
            Vmm = vmm is null ? LinuxBootBenchCommand.ThisVmm() : [vmm],
            TimeoutSeconds = timeout,
            InProcess = inProcess,
            Backend = backend,
        };
    }

    private static string? DefaultArtifact(string dir, string name, string option, List<string> errors)
    {
        string path = Path.Combine(dir, name);
        if (FileChecks.CheckInput(path, option, RunOptions.MaxInputBytes) is not null)
        {
            errors.Add($"no {option} given and no {name} in {dir}: build the guest with tools/linux-guest/build.sh, set VMM_LINUX_GUEST_DIR, or give {option}");
            return null;
        }

        return path;
    }

    private static void CheckKernel(string kernelPath, string initrdPath, string append, ulong memory, int cpus, List<string> errors)
    {
        byte[] image;
        try
        {
            image = FileChecks.ReadInput(kernelPath, "--kernel", RunOptions.MaxInputBytes);
        }
        catch (UsageException e)
        {
            errors.Add(e.Message);
            return;
        }

        if (!LinuxKernelLoader.IsLinuxKernel(image))
        {
            errors.Add($"--kernel '{kernelPath}' is not a Linux bzImage or vmlinux: the benchmark boots the same Linux kernel on vmm and QEMU");
            return;
        }

        _ = GuestPreflight.CheckLinux(new KernelFile(kernelPath, Path.GetFileName(kernelPath), image, null), initrdPath, append, memory, cpus, errors);
    }

    private static Option<string?> InputFile(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "FILE",
        CustomParser = r =>
        {
            string path = CliParsers.Token(r) ?? string.Empty;
            return FileChecks.CheckInput(path, CliParsers.NameOf(r), RunOptions.MaxInputBytes) is string error ? CliParsers.Fail<string?>(r, error, null) : path;
        },
    };
}

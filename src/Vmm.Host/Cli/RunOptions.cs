using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text;
using Vmm.Core.Boot;
using Vmm.Core.Boot.Elf;
using Vmm.Core.Boot.Linux;
using Vmm.Core.TlbFlush;
using Vmm.Guests;
using Vmm.HyperV.Cpuid;

namespace Vmm.Host.Cli;

/// <summary>
/// The options of `vmm run`, each with its parser, and <see cref="Check"/>: the command validator that checks what
/// depends on several options (profile against vCPU count, guest arguments and vCPU needs by building the guest
/// once, the test kernel's placement in RAM) and yields the <see cref="RunPlan"/>. Nothing here opens a hypervisor.
/// QEMU spellings (-smp, -m, -kernel, -initrd, -append, -serial, -cpu) are aliases (README "QEMU spellings").
/// </summary>
internal sealed class RunOptions
{
    /// <summary>The largest vCPU count of the long-mode environment (one TSS and stack block per vCPU).</summary>
    public const int MaxCpus = Vmm.Core.Boot.X86.LongModeLayout.MaxProcessors;

    /// <summary>The smallest and largest guest RAM.</summary>
    public const ulong MinMemory = Vmm.Core.Boot.X86.LongModeLayout.MinimumMemory, MaxMemory = 1UL << 40;

    /// <summary>Guest RAM without --memory.</summary>
    public const ulong DefaultMemory = 256UL << 20;

    /// <summary>The largest --kernel and --initrd file read.</summary>
    public const ulong MaxInputBytes = ElfKernelLoader.MaxFileSize;

    /// <summary>
    /// The longest --append: x86 Linux's COMMAND_LINE_SIZE is 2048 bytes with the terminating NUL
    /// (Documentation/arch/x86/boot.rst, "cmdline_size").
    /// </summary>
    public const int MaxCommandLineBytes = 2047;

    private const string CpusFix = "the default --hv linux serves at most 64: above 64 use --hv windows or add +tlbflush-ex";

    private static readonly Dictionary<string, string> s_backends = new() { ["auto"] = "auto", ["kvm"] = "kvm", ["whp"] = "whp" };

    private static readonly Dictionary<string, string> s_whpFlush = new() { ["vmm"] = "vmm", ["hypervisor"] = "hypervisor" };

    public Option<string> Backend { get; } = BackendOption();

    public Option<int> Cpus { get; } = new("--cpus", "-smp")
    {
        Description = $"Number of vCPUs, 1 to {MaxCpus} (QEMU: -smp N). The default Hyper-V profile (linux) serves at most 64: above 64 use --hv windows or add +tlbflush-ex",
        DefaultValueFactory = _ => 1,
        CustomParser = ParseCpus,
        HelpName = "N",
    };

    public Option<ulong> Memory { get; } = new("--memory", "-m")
    {
        Description = "Guest RAM: 16M to 1T; K/M/G/T are binary units and a bare number is MiB, as in QEMU's -m (256 = 256 MiB; 268435456B for bytes) [default: 256M]",
        CustomParser = ParseMemory,
        HelpName = "SIZE",
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v") { Description = "Log debug messages to stderr" };

    public Option<string?> Log { get; } = OutputFileOption("--log", "Write a debug log (and the stack trace of any VMM failure) to FILE");

    public Option<IBuiltInGuest> Guest { get; } = new("--guest")
    {
        Description = "Built-in guest to run: " + string.Join(", ", BuiltInGuests.All.Select(g => g.Name)) + $" [default: {BuiltInGuests.DefaultName}]",
        CustomParser = ParseGuest,
        HelpName = "NAME",
    };

    public Option<string[]> GuestArgs { get; } = GuestArgsOption();

    public Option<SerialTarget> Serial { get; } = new("--serial", "-serial")
    {
        Description = "--serial (QEMU: -serial): COM1 output: stdio (the console), null, file:PATH (as QEMU) or PATH [default: stdio]",
        CustomParser = ParseSerial,
        HelpName = "stdio|null|FILE",
    };

    public Option<KernelFile?> Kernel { get; } = new("--kernel", "-kernel")
    {
        Description = "--kernel (QEMU: -kernel): run a Linux bzImage or vmlinux (detected; README: Linux guests) or an ELF64 test kernel (README: Test kernels) instead of a built-in guest",
        CustomParser = ParseKernel,
        HelpName = "FILE",
    };

    public Option<string?> Initrd { get; } = InputFileOption("--initrd", "-initrd", "--initrd (QEMU: -initrd): an initial ramdisk for the --kernel (a regular file of at most 1 GiB, smaller than guest RAM)");

    public Option<string?> Append { get; } = AppendOption();

    public Option<HyperVFeatureProfile> HyperV { get; } = new("--hv")
    {
        Description = "Hyper-V enlightenments: a profile (linux, windows, none), then +feature/-feature edits, e.g. linux,+time,+frequencies",
        DefaultValueFactory = _ => HyperVFeatureProfile.Linux,
        CustomParser = r => HyperVSpec.TryParse(CliParsers.Token(r) ?? string.Empty, CliParsers.NameOf(r), out HyperVFeatureProfile? p, out string? e) ? p : CliParsers.Fail(r, e, HyperVFeatureProfile.Linux),
        HelpName = "SPEC",
    };

    public Option<HyperVFeatureProfile?> QemuCpu { get; } = new("-cpu")
    {
        Description = "QEMU spelling of --hv: host,hv-vpindex,hv-tlbflush,... (README: QEMU spellings); host alone advertises no enlightenment",
        CustomParser = r => QemuCpuOption.TryParse(CliParsers.Token(r) ?? string.Empty, CliParsers.NameOf(r), out HyperVFeatureProfile? p, out string? e) ? p : CliParsers.Fail<HyperVFeatureProfile?>(r, e, null),
        HelpName = "host,hv-...",
    };

    public Option<string?> Trace { get; } = OutputFileOption("--trace-hypercalls", "Write one JSON line per hypercall to FILE");

    public Option<long> TraceMaxSize { get; } = new("--trace-max-size")
    {
        Description = "Stop writing the hypercall trace at SIZE (e.g. 64M); later records are dropped and counted at exit [default: no limit]",
        CustomParser = r => SizeParser.TryParse(CliParsers.Token(r), out ulong bytes) && bytes is > 0 and <= long.MaxValue
            ? (long)bytes
            : CliParsers.Fail(r, $"--trace-max-size must be a size such as 512K or 64M, not '{CliParsers.Token(r)}'", 0L),
        HelpName = "SIZE",
    };

    public Option<int[]?> VpIndex { get; } = new("--vp-index")
    {
        Description = "VP index of each vCPU, e.g. 0,1,65,130 (Hyper-V VP_INDEX and VP sets; default: VP index = vCPU index)",
        CustomParser = r => CliParsers.ParseIntList(r, 0, 4095),
        HelpName = "LIST",
    };

    public Option<bool> UnsafeSkipFlush { get; } = new("--unsafe-skip-flush")
    {
        Description = "DEBUGGING ONLY: acknowledge TLB-flush hypercalls without flushing (guests will see stale translations)",
    };

    public Option<string> WhpFlush { get; } = new("--whp-flush")
    {
        Description = "Who serves the TLB-flush hypercalls: vmm (this VMM, in userspace) or hypervisor (WHP's own, as a baseline; whp backend only)",
        DefaultValueFactory = _ => "vmm",
        CustomParser = r => CliParsers.ParseChoice(r, s_whpFlush, "vmm"),
        HelpName = "vmm|hypervisor",
    };

    public Option<TlbFlushStrategy> FlushStrategy { get; } = new("--flush-strategy")
    {
        Description = "How remote TLB flushes take effect: kick (kick the targets in the guest and wait for them), memslot (one KVM-wide flush by moving a scratch memslot; waits only for vCPUs running in the guest) or auto (probe at start: memslot when the vCPUs outnumber the host CPUs and the platform has it, else kick) [default: auto]",
        CustomParser = r => CliParsers.ParseChoice(r, FlushStrategies, TlbFlushStrategy.Auto),
        HelpName = "auto|kick|memslot",
    };

    public Option<double> Timeout { get; } = new("--timeout")
    {
        Description = "Stop the VM after this many seconds, e.g. 30 or 0.5 (0 = no limit; at most 30 days)",
        DefaultValueFactory = _ => 0,
        CustomParser = CliParsers.ParseSeconds,
        HelpName = "SECONDS",
    };

    /// <summary>The `--flush-strategy` names.</summary>
    public static IReadOnlyDictionary<string, TlbFlushStrategy> FlushStrategies { get; } = new Dictionary<string, TlbFlushStrategy>
    {
        ["auto"] = TlbFlushStrategy.Auto,
        ["kick"] = TlbFlushStrategy.KickAndWait,
        ["memslot"] = TlbFlushStrategy.PlatformWide,
    };

    /// <summary>The `--backend` option every command shares.</summary>
    public static Option<string> BackendOption() => new("--backend")
    {
        Description = "Hypervisor backend: auto (KVM on Linux, WHP on Windows), kvm or whp",
        DefaultValueFactory = _ => "auto",
        CustomParser = r => CliParsers.ParseChoice(r, s_backends, "auto"),
        HelpName = "auto|kvm|whp",
    };

    /// <summary>Adds every option and the cross-option validator to <paramref name="command"/>.</summary>
    public void AddTo(Command command) =>
        CommandOptions.Register(command, (Option[])[Backend, Cpus, Memory, Verbose, Log, Guest, GuestArgs, Serial, Kernel, Initrd, Append, HyperV, QemuCpu, Trace, TraceMaxSize, VpIndex, UnsafeSkipFlush, WhpFlush, FlushStrategy, Timeout], (result, errors) => _ = Check(result, errors));

    /// <summary>
    /// Reads every option (so each parser reports its own mistakes), then checks what depends on several of them;
    /// returns the plan, or null with the cross-option mistakes added to <paramref name="errors"/>.
    /// </summary>
    public RunPlan? Check(SymbolResult result, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(errors);
        var reader = new OptionReader(result);
        string backend = reader.Get(Backend) ?? "auto";
        int cpus = reader.Get(Cpus);
        ulong memory = reader.Given(Memory) ? reader.Get(Memory) : DefaultMemory;
        bool verbose = reader.Get(Verbose);
        string? log = reader.Get(Log);
        IBuiltInGuest? guest = reader.Given(Guest) ? reader.Get(Guest) : BuiltInGuests.All.First(g => g.Name == BuiltInGuests.DefaultName);
        string[] guestArgs = reader.Get(GuestArgs) ?? [];
        SerialTarget serial = (reader.Given(Serial) ? reader.Get(Serial) : null) ?? SerialTarget.Stdio;
        KernelFile? kernel = reader.Get(Kernel);
        string? initrd = reader.Get(Initrd);
        string? append = reader.Get(Append);
        HyperVFeatureProfile? hv = reader.Get(HyperV);
        HyperVFeatureProfile? qemuCpu = reader.Get(QemuCpu);
        string? trace = reader.Get(Trace);
        long traceMaxSize = reader.Given(TraceMaxSize) ? reader.Get(TraceMaxSize) : long.MaxValue;
        int[]? vpIndices = reader.Given(VpIndex) ? reader.Get(VpIndex) : null;
        bool skipFlush = reader.Get(UnsafeSkipFlush);
        bool platformFlush = reader.Get(WhpFlush) == "hypervisor";
        TlbFlushStrategy strategy = reader.Given(FlushStrategy) ? reader.Get(FlushStrategy) : TlbFlushStrategy.Auto;
        double timeout = reader.Get(Timeout);
        int before = errors.Count;

        bool kernelGiven = reader.Given(Kernel);
        if (kernelGiven && (reader.Given(Guest) || reader.Given(GuestArgs)))
        {
            errors.Add("--kernel runs your own kernel file: it cannot be combined with --guest or --guest-arg");
        }

        if (!kernelGiven && (reader.Given(Initrd) || reader.Given(Append)))
        {
            errors.Add($"{(reader.Given(Initrd) ? "--initrd" : "--append")} goes with --kernel: a built-in guest takes --guest-arg instead");
        }

        if (reader.Given(QemuCpu) && reader.Given(HyperV))
        {
            errors.Add("-cpu and --hv both set the Hyper-V enlightenments: give one of them");
        }

        HyperVFeatureProfile? profile = reader.Given(QemuCpu) ? qemuCpu : hv;
        bool profileOk = profile is not null && (reader.Given(QemuCpu) ? reader.Valid(QemuCpu) : reader.Valid(HyperV));
        bool cpusOk = reader.Valid(Cpus);
        bool memoryOk = reader.Valid(Memory);
        if (profileOk && cpusOk && HyperVSpec.CheckFits(profile!, cpus, reader.Spelling(Cpus)) is string fit)
        {
            errors.Add(fit);
        }

        bool vpOk = reader.Valid(VpIndex);
        if (vpIndices is not null && vpOk && cpusOk)
        {
            if (vpIndices.Length != cpus)
            {
                errors.Add($"--vp-index lists {vpIndices.Length} VP indices for {cpus} vCPUs: give one per vCPU");
                vpOk = false;
            }
            else if (profileOk && vpIndices.Max() >= 64 && (profile!.Has(HyperVFeature.TlbFlush) || profile.Has(HyperVFeature.Ipi)) && !profile.Has(HyperVFeature.TlbFlushEx))
            {
                errors.Add("--vp-index: VP indices of 64 and above need the Ex hypercalls (add '+tlbflush-ex' to --hv)");
                vpOk = false;
            }
        }

        if (platformFlush && reader.Valid(Backend) && !IsWhp(backend))
        {
            errors.Add("--whp-flush hypervisor lets WHP serve the flush hypercalls: it needs the whp backend (Windows), not " + (backend == "auto" ? "auto (kvm here)" : backend));
        }

        bool initrdFits = true;
        if (initrd is not null && memoryOk && reader.Valid(Initrd) && new FileInfo(initrd) is { Exists: true } initrdFile && (ulong)initrdFile.Length >= memory)
        {
            initrdFits = false;
            errors.Add($"--initrd '{initrd}' ({SizeParser.Format((ulong)initrdFile.Length)}) does not fit in {SizeParser.Format(memory)} of guest RAM");
        }

        Dictionary<string, string> arguments = GuestArguments.Parse(guestArgs, "--guest-arg", out string? argError);
        bool argsOk = argError is null && reader.Valid(GuestArgs);
        Vmm.Core.Boot.IGuestLoader? loader = null;
        string what = string.Empty;
        if (kernelGiven)
        {
            if (kernel is { IsLinux: true } && cpusOk && memoryOk && reader.Valid(Initrd) && reader.Valid(Append) && initrdFits)
            {
                loader = GuestPreflight.CheckLinux(kernel, initrd, append, memory, cpus, errors);
                what = $"kernel '{kernel.Name}'";
            }
            else if (kernel is { TestKernel: ElfKernelLoader testKernel } && cpusOk && memoryOk)
            {
                if (reader.Given(Initrd) || reader.Given(Append))
                {
                    errors.Add($"--kernel '{kernel.Path}' is an ELF test kernel, not a Linux kernel: --initrd and --append are for a Linux bzImage or vmlinux");
                }

                errors.AddRange(GuestPreflight.CheckKernel(testKernel, memory, cpus));
                loader = testKernel;
                what = $"kernel '{kernel.Name}'";
            }
        }
        else if (guest is not null && reader.Valid(Guest) && argsOk && cpusOk && memoryOk && profileOk && vpOk)
        {
            loader = GuestPreflight.CheckBuiltIn(guest, arguments, cpus, memory, profile!, vpIndices, errors);
            what = $"guest '{guest.Name}'";
        }

        if (errors.Count > before || reader.HasErrors || loader is null || profile is null)
        {
            return null;
        }

        return new RunPlan
        {
            Backend = backend, Cpus = cpus, Memory = memory, HyperV = profile, VpIndices = vpIndices, FlushStrategy = strategy,
            PlatformTlbFlush = platformFlush, UnsafeSkipFlush = skipFlush, TimeoutSeconds = timeout, Loader = loader, What = what,
            Serial = serial, TracePath = trace, TraceMaxSize = traceMaxSize, LogPath = log, Verbose = verbose, InitrdPath = initrd, KernelCommandLine = append,
        };
    }

    private static bool IsWhp(string backend) => backend == "whp" || (backend == "auto" && OperatingSystem.IsWindows());

    private static int ParseCpus(ArgumentResult result)
    {
        // QEMU writes -smp N or -smp cpus=N (qemu-options.hx, "-smp"); topology keys have no meaning here.
        string text = CliParsers.Token(result) ?? "1";
        if (text.StartsWith("cpus=", StringComparison.OrdinalIgnoreCase))
        {
            text = text["cpus=".Length..];
        }
        else if (text.Contains('=', StringComparison.Ordinal))
        {
            return CliParsers.Fail(result, $"{CliParsers.NameOf(result)} '{text}': vmm takes only the vCPU count (N or cpus=N), no topology", 1);
        }

        return CliParsers.TryParseInt(text, CliParsers.NameOf(result), 1, MaxCpus, CpusFix, out int value, out string? error) ? value : CliParsers.Fail(result, error, 1);
    }

    internal static ulong ParseMemory(ArgumentResult result)
    {
        string name = CliParsers.NameOf(result);
        string text = CliParsers.Token(result) ?? "256M";
        if (text.StartsWith("size=", StringComparison.OrdinalIgnoreCase))
        {
            text = text["size=".Length..];
        }

        bool bare = text.Length > 0 && text.All(char.IsAsciiDigit);
        string bareNote = bare ? " (a bare number is MiB, as in QEMU's -m; add B for bytes, e.g. 268435456B)" : string.Empty;
        switch (SizeParser.Parse(text, out ulong bytes))
        {
            case SizeParseStatus.NotASize:
                return CliParsers.Fail(result, $"{name} '{text}' is not a size (examples: 64M, 1G, 512 = 512 MiB)", 0UL);
            case SizeParseStatus.TooLarge:
                return CliParsers.Fail(result, $"{name} must be at most 1T, not {text}{bareNote}", 0UL);
        }

        if (bytes < MinMemory)
        {
            return CliParsers.Fail(result, $"{name} must be at least 16M, not {text}{(bare ? " (a bare number is MiB)" : string.Empty)}", 0UL);
        }

        if (bytes > MaxMemory)
        {
            return CliParsers.Fail(result, $"{name} must be at most 1T, not {text}{bareNote}", 0UL);
        }

        return bytes;
    }

    private static IBuiltInGuest ParseGuest(ArgumentResult result)
    {
        string text = CliParsers.Token(result) ?? BuiltInGuests.DefaultName;
        if (BuiltInGuests.TryGet(text, out IBuiltInGuest guest))
        {
            return guest;
        }

        string hint = NameSuggester.Hint(text, [.. BuiltInGuests.All.Select(g => g.Name)], "built-in guests");
        return CliParsers.Fail<IBuiltInGuest>(result, $"{CliParsers.NameOf(result)} '{text}' is not a built-in guest ({hint})", null!);
    }

    private static SerialTarget ParseSerial(ArgumentResult result)
    {
        SerialTarget target = SerialTarget.Parse(CliParsers.Token(result) ?? "stdio");
        if (target.Path is not null && FileChecks.CheckOutput(target.Path, CliParsers.NameOf(result)) is string error)
        {
            result.AddError(error);
        }

        return target;
    }

    private static KernelFile? ParseKernel(ArgumentResult result)
    {
        string path = CliParsers.Token(result) ?? string.Empty;
        string name = CliParsers.NameOf(result);
        if (FileChecks.CheckInput(path, name, MaxInputBytes) is string error)
        {
            return CliParsers.Fail<KernelFile?>(result, error, null);
        }

        try
        {
            byte[] image = FileChecks.ReadInput(path, name, MaxInputBytes);
            string fileName = Path.GetFileName(path);
            return LinuxKernelLoader.IsLinuxKernel(image)
                ? new KernelFile(path, fileName, image, null)
                : new KernelFile(path, fileName, image, new ElfKernelLoader(image, fileName));
        }
        catch (UsageException e)
        {
            return CliParsers.Fail<KernelFile?>(result, e.Message, null);
        }
        catch (KernelLoadException e)
        {
            return CliParsers.Fail<KernelFile?>(result, $"{name} '{path}': {e.Message} (not a Linux bzImage or vmlinux either)", null);
        }
    }

    // Checks are custom parsers, not option validators: System.CommandLine skips option validators once a command
    // validator has reported an error, and every mistake of the line must be reported.
    private static Option<string[]> GuestArgsOption() => new("--guest-arg")
    {
        Description = "A guest parameter, e.g. iterations=100000 (repeatable, each key once)",
        HelpName = "KEY=VALUE",
        AllowMultipleArgumentsPerToken = false,
        CustomParser = r =>
        {
            string[] pairs = [.. r.Tokens.Select(t => t.Value)];
            _ = GuestArguments.Parse(pairs, CliParsers.NameOf(r), out string? error);
            return error is null ? pairs : CliParsers.Fail(r, error, pairs);
        },
    };

    private static Option<string?> OutputFileOption(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "FILE",
        CustomParser = r => CheckedPath(r, FileChecks.CheckOutput(CliParsers.Token(r) ?? string.Empty, CliParsers.NameOf(r))),
    };

    private static Option<string?> InputFileOption(string name, string alias, string description) => new(name, alias)
    {
        Description = description,
        HelpName = "FILE",
        CustomParser = r => CheckedPath(r, FileChecks.CheckInput(CliParsers.Token(r) ?? string.Empty, CliParsers.NameOf(r), MaxInputBytes)),
    };

    private static string? CheckedPath(ArgumentResult result, string? error) =>
        error is null ? result.Tokens[^1].Value : CliParsers.Fail<string?>(result, error, null);

    private static Option<string?> AppendOption() => new("--append", "-append")
    {
        Description = $"--append (QEMU: -append): the kernel command line for --kernel (at most {MaxCommandLineBytes} bytes, as x86 Linux takes)",
        HelpName = "TEXT",
        CustomParser = r =>
        {
            string text = r.Tokens.Count == 0 ? string.Empty : r.Tokens[^1].Value;
            string name = CliParsers.NameOf(r);
            int bytes = Encoding.UTF8.GetByteCount(text);
            return text.Contains('\0', StringComparison.Ordinal) ? CliParsers.Fail<string?>(r, $"{name} may not contain a NUL character", null)
                : bytes > MaxCommandLineBytes ? CliParsers.Fail<string?>(r, $"{name} is {bytes.ToString(CultureInfo.InvariantCulture)} bytes; x86 Linux takes at most {MaxCommandLineBytes}", null)
                : text;
        },
    };
}

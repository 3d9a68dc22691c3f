using System.CommandLine;
using System.CommandLine.Parsing;

namespace Vmm.Host.Cli;

/// <summary>
/// The options of `vmm bench linux-flush`: linux-boot's (kernel, initrd, RAM, vCPU counts, runs, --hv, --qemu, --vmm,
/// time limit, JSON, checked the same way before any hypervisor is opened) and its own (strategies, rounds, plot).
/// </summary>
internal sealed class LinuxFlushBenchOptions
{
    private static readonly int[] s_defaultCpus = [2, 4, 8];

    private static readonly string[] s_defaultStrategies = ["kick", "memslot"];

    public LinuxBootBenchOptions Boot { get; } = new(s_defaultCpus);

    public Option<string[]> Strategies { get; } = new("--flush-strategy")
    {
        Description = "vmm's PV flush strategies to measure side by side: kick, memslot, auto (what vmm run would choose), comma-separated [default: kick,memslot]",
        CustomParser = r => CliParsers.ParseChoiceList(r, RunOptions.FlushStrategies.Keys.ToDictionary(k => k, k => k, StringComparer.Ordinal)),
        HelpName = "LIST",
    };

    public Option<int> Rounds { get; } = new("--rounds")
    {
        Description = "tlbcheck's remaps per boot, each one remote flush of every other CPU (1 to 1000000)",
        DefaultValueFactory = _ => 2000,
        CustomParser = r => CliParsers.ParseInt(r, 1, 1_000_000),
        HelpName = "N",
    };

    public Option<string?> Plot { get; } = new("--plot")
    {
        Description = "Also write an SVG plot of the guest sys time per vCPU count, one line per mode",
        CustomParser = r =>
        {
            string path = CliParsers.Token(r) ?? string.Empty;
            return FileChecks.CheckOutput(path, CliParsers.NameOf(r)) is string error ? CliParsers.Fail<string?>(r, error, null) : path;
        },
        HelpName = "FILE.svg",
    };

    /// <summary>Adds every option and the cross-option validator to <paramref name="command"/>.</summary>
    public void AddTo(Command command) =>
        CommandOptions.Register(
            command,
            (Option[])[Boot.Backend, Boot.Kernel, Boot.Initrd, Boot.Append, Boot.Cpus, Boot.Runs, Boot.Memory, Boot.HyperV, Strategies, Rounds, Boot.Qemu, Boot.Vmm, Boot.Timeout, Boot.Json, Plot],
            (result, errors) => _ = Check(result, errors));

    /// <summary>The settings, or null with the mistakes added to <paramref name="errors"/>.</summary>
    public LinuxFlushBenchSettings? Check(SymbolResult result, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(result);
        LinuxBootBenchSettings? boot = Boot.Check(result, errors);
        var reader = new OptionReader(result);
        string[] strategies = reader.Given(Strategies) ? reader.Get(Strategies) ?? [] : s_defaultStrategies;
        int rounds = reader.Get(Rounds);
        string? plot = reader.Get(Plot);
        if (boot is null || reader.HasErrors || strategies.Length == 0)
        {
            return null;
        }

        return new LinuxFlushBenchSettings { Boot = boot, Strategies = strategies, Rounds = rounds, PlotPath = plot is null ? null : Path.GetFullPath(plot) };
    }

    /// <summary>True when no --qemu was given (then a missing QEMU means no KVM column, said in one line).</summary>
    public bool QemuWasDefaulted(SymbolResult result) => Boot.QemuWasDefaulted(result);
}

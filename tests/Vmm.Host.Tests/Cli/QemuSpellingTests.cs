using System.CommandLine;
using Vmm.Core.Boot.Elf;
using Vmm.Guests;
using Vmm.Host.Cli;

namespace Vmm.Host.Tests.Cli;

/// <summary>QEMU's spellings parse to the same run as vmm's own (README "QEMU spellings").</summary>
public sealed class QemuSpellingTests : IDisposable
{
    private readonly CliFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData("-smp 4", "--cpus 4")]
    [InlineData("-smp cpus=4", "--cpus 4")]
    [InlineData("-m 512", "--memory 512M")]
    [InlineData("-m 512", "--memory 536870912B")]
    [InlineData("-m size=1G", "--memory 1024")]
    [InlineData("-m 1G", "--memory 1G")]
    [InlineData("-kernel {bzimage} -initrd {initrd} -append console=ttyS0", "--kernel {bzimage} --initrd {initrd} --append console=ttyS0")]
    [InlineData("-serial file:{out}", "--serial {out}")]
    [InlineData("-serial null", "--serial none")]
    [InlineData("-serial stdio", "")]
    [InlineData("-cpu host", "--hv none")]
    [InlineData("-cpu host,hv-vpindex,hv-tlbflush", "--hv none,+hypercall,+vpindex,+tlbflush,+tlbflush-ex")]
    [InlineData("-cpu host,hv-relaxed,hv-vpindex,hv-tlbflush,hv-xmm-input,hv-spinlocks=0xffffffff", "--hv windows")]
    [InlineData("-cpu host,hv-vpindex,hv-tlbflush,hv-tlbflush-ext,hv-time,hv-frequencies,hv-ipi,hv-reset", "--hv none,hypercall,vpindex,tlbflush,tlbflush-ex,extended-ranges,time,frequencies,ipi,reset")]
    [InlineData("-cpu host,hv_time=on,hv-frequencies,hv-relaxed=off", "--hv none,+hypercall,+time,+frequencies")]
    [InlineData("-cpu max,hv-vpindex,hv-ipi,hv-spinlocks=0x1fff", "--hv none,+hypercall,+vpindex,+ipi,+spinlocks=0x1fff")]
    [InlineData("-smp 2 -m 64 -kernel {elf} -serial null -cpu host,hv-vpindex,hv-tlbflush", "--cpus 2 --memory 64M --kernel {elf} --serial null --hv none,+hypercall,+vpindex,+tlbflush,+tlbflush-ex")]
    public void TheQemuSpellingParsesToTheSameRun(string qemu, string ours) =>
        Assert.Equal(Describe(Plan(qemu)), Describe(Plan(ours)));

    [Theory]
    [InlineData("-cpu host,hv-vpindex,hv-tlbflush", "--hv linux")]   // QEMU's hv-tlbflush also recommends the Ex calls
    [InlineData("-m 512", "--memory 513M")]
    [InlineData("-serial null", "")]
    [InlineData("-smp 4", "--cpus 2")]
    public void DifferentRunsAreToldApart(string qemu, string ours) =>
        Assert.NotEqual(Describe(Plan(qemu)), Describe(Plan(ours)));

    [Fact]
    public void EveryQemuAliasOfTheTableParses()
    {
        foreach ((string qemu, string vmm) in QemuCpuOption.Aliases.Where(a => a.Vmm != "vpassist"))
        {
            string property = qemu.Replace("=N", "=100", StringComparison.Ordinal);
            string needs = vmm is "tlbflush,tlbflush-ex" or "ipi" or "extended-ranges" ? ",hv-vpindex,hv-tlbflush" : string.Empty;
            Assert.NotNull(Plan($"-cpu host,{property}{needs}"));
        }
    }

    private RunPlan Plan(string line)
    {
        var options = new RunOptions();
        var run = new Command("run");
        options.AddTo(run);
        var root = new RootCommand { run };
        ParseResult parsed = root.Parse(["run", .. _files.Expand(line)]);
        Assert.True(parsed.Errors.Count == 0, $"{line}: {string.Join("; ", parsed.Errors.Select(e => e.Message))}");
        var errors = new List<string>();
        RunPlan? plan = options.Check(parsed.CommandResult, errors);
        Assert.True(plan is not null, $"{line}: {string.Join("; ", errors)}");
        return plan!;
    }

    /// <summary>The configuration the machine would be built from, and what it loads, as comparable text.</summary>
    private static string Describe(RunPlan plan)
    {
        VmConfiguration c = RunCommand.ToConfiguration(plan, null, null);
        string loader = plan.Loader switch
        {
            ElfKernelLoader k => $"kernel {k.Name} entry 0x{k.Entry:X} segments {string.Join(",", k.Segments)}",
            BuiltInGuestLoader g => $"guest {g.Name}",
            _ => plan.Loader.GetType().Name,
        };
        return $"cpus {c.Cpus}; memory {c.Memory}; hv {c.HyperV} ({c.HyperV.Features}, {c.HyperV.SpinlockRetryCount}); vp {(c.VpIndices is null ? "-" : string.Join(",", c.VpIndices))}; "
            + $"flush {c.FlushStrategy}/{c.PlatformTlbFlush}/{c.UnsafeSkipFlush}; initrd {c.InitrdPath}; append {c.KernelCommandLine}; "
            + $"serial {plan.Serial}; trace {plan.TracePath}; timeout {plan.TimeoutSeconds}; {loader}";
    }
}

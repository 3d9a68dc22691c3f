using System.Diagnostics;
using System.Text;
using Vmm.Core.Boot.Linux;
using Vmm.Core.Machine;
using Vmm.Host.Cli;
using Vmm.Core.Memory;
using Vmm.HyperV.Cpuid;
using Vmm.Kvm;

namespace Vmm.Host.Tests;

/// <summary>
/// Boots Debian's stock kernel (bzImage and vmlinux, built by tools/linux-guest/build.sh) to the test initramfs's
/// /init, which prints "VMM-INIT cpus=N ..." and reports its verdict through the exit port.
/// </summary>
/// <remarks>
/// Needs upstream KVM (hardware, or nested); artifacts come from $VMM_LINUX_GUEST_DIR or the recipe's default
/// cache directory. On PVM-based KVM the tests skip with that fact.
/// </remarks>
public sealed class LinuxBootTests
{
    // "quiet": every console byte is a few port exits, and nested they dominate the boot (measured: about 100 s
    // of a 230 s nested boot went to replaying the log to ttyS0); /init prints the dmesg lines checked here.
    private const string CommandLine = "quiet printk.devkmsg=on console=ttyS0 8250.nr_uarts=1 acpi=off pci=off panic=-1 nokaslr printk.time=1";
    private const ulong Memory = 512UL << 20;
    private const string LinuxProfile = "linux,+time,+frequencies";
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Every vCPU count (1, 2, 4, 8) with each image and with each profile, and each image with each profile: the
    /// eight rows of a pairwise cover of the 16 combinations (a nested boot costs about a minute, and CI boots them
    /// all on the nested host).
    /// </summary>
    public static TheoryData<string, int, string> Matrix() => new()
    {
        { "bzImage", 1, "none" },
        { "vmlinux", 1, LinuxProfile },
        { "bzImage", 2, LinuxProfile },
        { "vmlinux", 2, "none" },
        { "bzImage", 4, "none" },
        { "vmlinux", 4, LinuxProfile },
        { "bzImage", 8, LinuxProfile },
        { "vmlinux", 8, "none" },
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public void StockKernelBootsToInitWithEveryVcpuAndTheMapAsBuilt(string kernel, int cpus, string hv)
    {
        (MachineExit exit, string log, TimeSpan elapsed) = Boot(kernel, cpus, hv, string.Empty);
        TestContext.Current.SendDiagnosticMessage($"{kernel}, {cpus} vCPUs, --hv {hv}: {elapsed.TotalSeconds:0.0} s to the verdict");
        string cause = Explain(exit, log);
        Assert.True(exit.Reason == MachineExitReason.GuestExit && exit.Status == 0, $"{exit}{cause}\n{log}");

        // A processor Linux gave up on leaves a passing /init with fewer CPUs: the cause goes with these too.
        Assert.True(log.Contains($"VMM-INIT cpus={cpus} ", StringComparison.Ordinal), $"not every vCPU came up{cause}\n{log}");
        Assert.True(log.Contains($"smp: Brought up 1 node, {cpus} CPU", StringComparison.Ordinal), $"not every vCPU came up{cause}\n{log}");
        foreach (E820Entry e in E820Map.Build(GuestRamLayout.Ranges(Memory)))
        {
            Assert.Contains($"BIOS-e820: {e}", log);
        }

        Assert.DoesNotContain("Unable to read current time from RTC", log);
        if (hv == "none")
        {
            Assert.DoesNotContain("Hypervisor detected: Microsoft Hyper-V", log);
        }
        else
        {
            Assert.Contains("Hypervisor detected: Microsoft Hyper-V", log);
            Assert.Contains("Using hypercall for remote TLB flush", log);
        }
    }

    [Fact]
    public void TheGuestsFailureVerdictIsVmmsVerdict()
    {
        (MachineExit exit, string log, _) = Boot("vmlinux", 1, "none", "vmmtest=fail");
        Assert.True(exit.Reason == MachineExitReason.GuestExit && exit.Status == 1, $"{exit}\n{log}");
    }

    [Theory]
    [InlineData("vmmtest=reboot")]
    [InlineData("vmmtest=panic")]
    public void RebootAndPanicEndTheVmWithTheResetExit(string mode)
    {
        (MachineExit exit, string log, _) = Boot("vmlinux", 1, "none", mode);
        Assert.True(exit.Reason == MachineExitReason.Reset, $"{exit}\n{log}");
    }

    [Fact]
    public void ABootWhereLinuxGaveUpOnAnApplicationProcessorNamesThatCause()
    {
        // Console lines of a nested boot whose vCPU 2 was held back past Linux's wait (README, "Linux guests").
        const string Log = "[   11.856000] smpboot: do_boot_cpu failed(-1) to wakeup CPU#2\n[   16.508235] VMM-INIT cpus=3 clocksource=refined-jiffies\n";
        string cause = Explain(new MachineExit(MachineExitReason.GuestExit, 0, -1, null), Log);
        Assert.Contains("Linux gave up waiting for an application processor", cause);
        Assert.DoesNotContain("triple-faulted", cause);
    }

    [Fact]
    public void AnApplicationProcessorsTripleFaultIsNamedAndACleanBootNamesNoCause()
    {
        const string Clean = "[    4.148000] smp: Brought up 1 node, 4 CPUs\n[   27.961124] VMM-INIT cpus=4 clocksource=refined-jiffies\n";
        string shutdown = Explain(new MachineExit(MachineExitReason.Shutdown, 0, 3, "vCPU 3 shut down (triple fault)"), Clean);
        Assert.Contains("application processor 3 triple-faulted", shutdown);
        Assert.Equal(string.Empty, Explain(new MachineExit(MachineExitReason.GuestExit, 0, -1, null), Clean));           // negative control
        Assert.Equal(string.Empty, Explain(new MachineExit(MachineExitReason.Shutdown, 0, 0, "vCPU 0 shut down"), Clean)); // the BSP is not an AP
    }

    [Fact]
    public void DebiansBzImageAndItsVmlinuxLoadWithTheMeasuredHeaderValues()
    {
        string dir = LinuxGuestArtifacts.Directory();
        Assert.SkipUnless(File.Exists(Path.Combine(dir, "bzImage")) && File.Exists(Path.Combine(dir, "vmlinux")), $"no Linux guest in {dir}: run tools/linux-guest/build.sh");
        var bz = new LinuxKernelLoader(Path.Combine(dir, "bzImage"), Path.Combine(dir, "initramfs.cpio.gz"), CommandLine);
        Assert.Equal(LinuxKernelFormat.BzImage, bz.Format);
        Assert.True(bz.Header!.Version >= 0x020C);
        Assert.Equal(0x10_0200UL, bz.Entry);
        (_, ulong initrd) = bz.CheckFits(Memory, 8);
        Assert.True(initrd >= bz.KernelEnd);
        var vmlinux = new LinuxKernelLoader(Path.Combine(dir, "vmlinux"), null, CommandLine);
        Assert.Equal(LinuxKernelFormat.Vmlinux, vmlinux.Format);
        Assert.Equal(0x100_0000UL, vmlinux.KernelStart);   // Debian's LOAD_PHYSICAL_ADDR; e_entry is startup_64 there
        Assert.Equal(0x100_0000UL, vmlinux.Entry);
        vmlinux.CheckFits(Memory, 8);
    }

    private static (MachineExit Exit, string Log, TimeSpan Elapsed) Boot(string kernel, int cpus, string hv, string extra)
    {
        string dir = LinuxGuestTestSupport.SkipUnlessStockLinuxRuns(kernel);
        if (!OperatingSystem.IsLinux())
        {
            return default;
        }

        var loader = new LinuxKernelLoader(Path.Combine(dir, kernel), Path.Combine(dir, "initramfs.cpio.gz"), $"{CommandLine} {extra}".Trim());
        using KvmHypervisor kvm = KvmHypervisor.Open();
        using var serial = new MemoryStream();
        HyperVFeatureProfile profile = VmConfiguration.ParseHyperV(hv, cpus);
        var config = new VmConfiguration { Cpus = cpus, Memory = Memory, HyperV = profile, Serial = serial };
        var watch = Stopwatch.StartNew();
        MachineExit exit;
        string? vcpuStates;
        using (Machine machine = VmFactory.Create(kvm, config, loader, Serilog.Core.Logger.None))
        {
            machine.Start();
            exit = LinuxGuestTestSupport.WaitForExit(machine, Limit, out string? hostThreads);
            machine.Dispose();
            vcpuStates = machine.VcpuStateReport is { } states ? $"{states}\n{hostThreads}" : null;
        }

        return (exit, LinuxGuestTestSupport.WithVcpuStates(Encoding.UTF8.GetString(serial.ToArray()), vcpuStates), watch.Elapsed);
    }

    /// <summary>
    /// Names the known ways an SMP boot goes wrong on a slow host, so a failure says which one it was.
    /// </summary>
    internal static string Explain(MachineExit exit, string log)
    {
        var lines = new StringBuilder();
        if (log.Contains("do_boot_cpu failed", StringComparison.Ordinal) || log.Contains("failed to report alive state", StringComparison.Ordinal))
        {
            // Linux 6.1 waits 10 s (in jiffies) for each application processor to show a sign of life, then gives
            // up on it and starts the next one with the same trampoline and shared start variables (do_boot_cpu,
            // arch/x86/kernel/smpboot.c); an AP that wakes after that runs on another CPU's stack and GDT.
            lines.Append("\ncause: Linux gave up waiting for an application processor (its 10 s wait in do_boot_cpu, arch/x86/kernel/smpboot.c): the host ran that vCPU too late");
        }

        if (exit.Reason == MachineExitReason.Shutdown && exit.Processor > 0)
        {
            lines.Append($"\ncause: application processor {exit.Processor} triple-faulted (on AMD SVM its registers are KVM's reset state, see the detail above)");
        }

        return lines.ToString();
    }
}

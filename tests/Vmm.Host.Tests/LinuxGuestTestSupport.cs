using System.Globalization;
using Vmm.Core.Machine;
using Vmm.Host.Cli;

namespace Vmm.Host.Tests;

/// <summary>What the tests that boot the recipe's stock Linux kernel (tools/linux-guest) need from the host.</summary>
internal static class LinuxGuestTestSupport
{
    /// <summary>
    /// Skips the calling test unless this host can boot the recipe's stock kernel (<paramref name="kernel"/>: bzImage
    /// or vmlinux) with its initramfs; returns the artifacts' directory.
    /// </summary>
    public static string SkipUnlessStockLinuxRuns(string kernel = "vmlinux")
    {
        KvmTestSupport.SkipUnlessKvm();
        Assert.SkipWhen(
            Directory.Exists("/sys/module/kvm_pvm"),
            "PVM-based KVM (kvm_pvm) cannot run a stock Linux kernel: its instruction emulator fails on int3; needs upstream KVM (hardware or nested)");
        string dir = LinuxGuestArtifacts.Directory();
        Assert.SkipUnless(
            File.Exists(Path.Combine(dir, kernel)) && File.Exists(Path.Combine(dir, "initramfs.cpio.gz")),
            $"no Linux guest in {dir}: run tools/linux-guest/build.sh (or set VMM_LINUX_GUEST_DIR)");
        return dir;
    }

    /// <summary>
    /// <paramref name="serial"/> followed, when the host stopped the guest (<see cref="Machine.VcpuStateReport"/>), by
    /// where each vCPU was. Debian's kernel carries no symbols (its System.map is a placeholder; the real one is in
    /// the linux-image-VERSION-dbg package), so the RIPs are left as addresses.
    /// </summary>
    public static string WithVcpuStates(string serial, string? vcpuStates) =>
        vcpuStates is null ? serial : $"{serial}\n[test] the host stopped the guest; its vCPUs were at:\n{vcpuStates}\n";

    /// <summary>
    /// Waits for <paramref name="machine"/> to stop; at <paramref name="limit"/> first describes its vCPU threads as
    /// the host scheduler sees them (<see cref="DescribeVcpuHostThreads"/>), then stops it.
    /// </summary>
    public static MachineExit WaitForExit(Machine machine, TimeSpan limit, out string? hostThreads)
    {
        string? described = null;
        MachineExit exit = machine.WaitForExit(limit, () => described = DescribeVcpuHostThreads());
        hostThreads = described;
        return exit;
    }

    /// <summary>
    /// Each vCPU thread of this process (named vcpu-N) over two seconds, from /proc/self/task/TID/stat (proc(5)):
    /// its state, the CPU it last ran on and the CPU time it got. A guest that hung tells its cause this way: a
    /// thread runnable (R) that got no time was never scheduled (the host lost its wake-up), threads asleep (S) that
    /// got none are vCPUs halted with no interrupt coming, threads that got time are a guest busy going nowhere.
    /// </summary>
    public static string DescribeVcpuHostThreads()
    {
        Dictionary<string, (string Name, string[] Stat)> Sample()
        {
            var threads = new Dictionary<string, (string, string[])>();
            foreach (string dir in Directory.EnumerateDirectories("/proc/self/task"))
            {
                try
                {
                    string name = File.ReadAllText(Path.Combine(dir, "comm")).Trim();
                    string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    if (name.StartsWith("vcpu-", StringComparison.Ordinal))
                    {
                        // Fields after the parenthesised command: state is field 3, utime 14, stime 15, processor 39.
                        threads[Path.GetFileName(dir)] = (name, stat[(stat.LastIndexOf(')') + 2)..].Split(' '));
                    }
                }
                catch (IOException)
                {
                    // The thread ended between the listing and the read.
                }
            }

            return threads;
        }

        static long Ticks(string[] f) => long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture);

        var before = Sample();
        Thread.Sleep(TimeSpan.FromSeconds(2));
        var after = Sample();
        var lines = new List<string>();
        foreach ((string tid, (string name, string[] f)) in after.OrderBy(t => t.Value.Name, StringComparer.Ordinal))
        {
            // utime and stime count clock ticks (sysconf(_SC_CLK_TCK), 100 on x86 Linux).
            string ran = before.TryGetValue(tid, out var b) ? $"{(Ticks(f) - Ticks(b.Stat)) * 10} ms of the last 2 s" : "new";
            lines.Add($"{name} (tid {tid}): state {f[0]}, last on CPU {f[36]}, ran {ran}");
        }

        return lines.Count == 0 ? "no vcpu-N threads" : string.Join(Environment.NewLine, lines);
    }
}

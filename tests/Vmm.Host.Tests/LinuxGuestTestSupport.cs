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
}

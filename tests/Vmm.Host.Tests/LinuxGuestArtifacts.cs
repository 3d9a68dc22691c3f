namespace Vmm.Host.Tests;

/// <summary>Where tools/linux-guest/build.sh put the Linux guest (bzImage, vmlinux, initramfs.cpio.gz).</summary>
internal static class LinuxGuestArtifacts
{
    /// <summary>$VMM_LINUX_GUEST_DIR, else the recipe's default, ${XDG_CACHE_HOME:-~/.cache}/vmm/linux-guest.</summary>
    public static string Directory()
    {
        string? dir = Environment.GetEnvironmentVariable("VMM_LINUX_GUEST_DIR");
        if (!string.IsNullOrEmpty(dir))
        {
            return dir;
        }

        string cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "vmm", "linux-guest");
    }
}

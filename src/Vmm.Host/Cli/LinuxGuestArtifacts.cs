namespace Vmm.Host.Cli;

/// <summary>
/// Where tools/linux-guest/build.sh leaves the stock Linux guest (bzImage, vmlinux, initramfs.cpio.gz):
/// $VMM_LINUX_GUEST_DIR, else ${XDG_CACHE_HOME:-$HOME/.cache}/vmm/linux-guest, as the recipe computes it.
/// </summary>
internal static class LinuxGuestArtifacts
{
    /// <summary>The directory (it may not exist).</summary>
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

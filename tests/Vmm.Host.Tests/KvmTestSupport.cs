using System.Globalization;
using System.Text.RegularExpressions;
using Vmm.Kvm;

namespace Vmm.Host.Tests;

/// <summary>What the tests that run real VMs share.</summary>
internal static class KvmTestSupport
{
    /// <summary>Skips the calling test unless this is Linux with a usable /dev/kvm, naming why not.</summary>
    public static void SkipUnlessKvm()
    {
        string reason = "needs Linux";
        bool available = OperatingSystem.IsLinux() && KvmHypervisor.IsAvailable(out reason);
        Assert.SkipUnless(available, $"needs a usable /dev/kvm: {reason}");
    }

    /// <summary>The number <paramref name="pattern"/>'s first group captures in a guest's serial output (asserts it is there).</summary>
    public static long Count(Regex pattern, string serial)
    {
        Match m = pattern.Match(serial);
        Assert.True(m.Success, $"no match for /{pattern}/ in:\n{serial}");
        return long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }
}

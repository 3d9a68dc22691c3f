using System.Globalization;
using System.Text.RegularExpressions;

namespace Vmm.Host.Cli;

/// <summary>
/// The line the test initramfs's /init prints when user space is reached (tools/linux-guest/init.sh):
/// "VMM-INIT cpus=N clocksource=NAME uptime=SECONDS", through /dev/kmsg at level 2, so it reaches the console even
/// with "quiet", possibly after a printk timestamp ("[    1.234567] VMM-INIT cpus=2 ...").
/// </summary>
internal static partial class BootMarker
{
    /// <summary>The marker's fixed text.</summary>
    public const string Text = "VMM-INIT cpus=";

    /// <summary>
    /// Whether <paramref name="line"/> is the marker; then the CPUs the guest brought up (nproc) and the kernel's
    /// uptime when /init printed it (/proc/uptime), or null when the line has none.
    /// </summary>
    public static bool TryParse(string line, out int cpus, out double? uptimeSeconds)
    {
        ArgumentNullException.ThrowIfNull(line);
        cpus = 0;
        uptimeSeconds = null;
        Match match = MarkerPattern().Match(line);
        if (!match.Success || !int.TryParse(match.Groups["cpus"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out cpus))
        {
            return false;
        }

        if (match.Groups["uptime"].Success
            && double.TryParse(match.Groups["uptime"].ValueSpan, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double uptime))
        {
            uptimeSeconds = uptime;
        }

        return true;
    }

    [GeneratedRegex(@"VMM-INIT cpus=(?<cpus>[0-9]{1,6})(?=\s|$)(?:.*?\suptime=(?<uptime>[0-9]+(?:\.[0-9]+)?))?", RegexOptions.CultureInvariant)]
    private static partial Regex MarkerPattern();
}

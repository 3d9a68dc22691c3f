using System.Globalization;

namespace Vmm.Host.Cli;

/// <summary>vmm's median over QEMU's at one vCPU count (issue 10's goal: vmm ≤ 1.0× QEMU to the marker).</summary>
/// <param name="Runner">The vmm runner compared (child process or in-process).</param>
/// <param name="Vcpus">vCPUs.</param>
/// <param name="Marker">Median start to marker, vmm ÷ QEMU.</param>
/// <param name="Exit">Median start to exit, vmm ÷ QEMU.</param>
internal sealed record LinuxBootBenchRatio(LinuxBootRunner Runner, int Vcpus, double Marker, double Exit)
{
    /// <summary>The goal: vmm reaches the marker no later than QEMU.</summary>
    public const double Goal = 1.0;

    /// <summary>Whether <see cref="Marker"/> meets <see cref="Goal"/>.</summary>
    public bool Met => Marker <= Goal;

    /// <summary>The JSON object of the ratio.</summary>
    public Dictionary<string, object?> ToJson() => new()
    {
        ["runner"] = LinuxBootBenchResults.NameOf(Runner),
        ["vcpus"] = Vcpus,
        ["marker"] = Math.Round(Marker, 3),
        ["exit"] = Math.Round(Exit, 3),
        ["goalMet"] = Met,
    };

    /// <summary>One line: "2 vCPUs, vmm / qemu to the marker: 0.93 (goal ≤ 1.0: met)".</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Vcpus} vCPU{(Vcpus == 1 ? string.Empty : "s")}, {LinuxBootBenchResults.NameOf(Runner)} / qemu to the marker: {Marker:0.00} (goal ≤ {Goal:0.0}: {(Met ? "met" : "missed")})");
}

using System.Text;
using System.Text.Json;

namespace Vmm.Host.Cli;

/// <summary>
/// The JSON object of `vmm bench linux-flush`, written with <see cref="Utf8JsonWriter"/> (no reflection: the app is
/// meant to publish ahead of time). Times in milliseconds rounded to 0.001; a median no boot gave is null.
/// </summary>
internal static class LinuxFlushBenchJson
{
    /// <summary>What the run was, besides its rows and samples.</summary>
    /// <param name="Backend">The hypervisor's name.</param>
    /// <param name="Platform">Its platform description.</param>
    /// <param name="LoadBefore">Host load average before the first boot.</param>
    /// <param name="LoadAfter">After the last.</param>
    /// <param name="QemuVersion">`qemu --version`'s first line, or null without QEMU.</param>
    public sealed record Context(string Backend, string Platform, string LoadBefore, string LoadAfter, string? QemuVersion);

    /// <summary>One JSON object: the run's settings, one result per row, the goal ratios and every sample.</summary>
    public static string Write(LinuxFlushBenchSettings settings, Context context, IReadOnlyList<LinuxFlushBenchRow> rows, IReadOnlyList<FlushBenchGoal> goals, IReadOnlyList<LinuxFlushSample> samples)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(goals);
        ArgumentNullException.ThrowIfNull(samples);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("benchmark", "linux-flush");
            json.WriteString("backend", context.Backend);
            json.WriteString("platform", context.Platform);
            json.WriteNumber("hostCpus", Environment.ProcessorCount);
            json.WriteString("loadAverageBefore", context.LoadBefore);
            json.WriteString("loadAverageAfter", context.LoadAfter);
            json.WriteString("kernel", settings.Boot.KernelPath);
            json.WriteString("initrd", settings.Boot.InitrdPath);
            json.WriteNumber("memoryMiB", settings.Boot.Memory >> 20);
            json.WriteString("append", settings.Append);
            json.WriteString("hv", settings.Boot.HyperV);
            json.WriteString("qemu", settings.Boot.Qemu);
            json.WriteString("qemuVersion", context.QemuVersion);
            json.WriteString("qemuCpu", settings.Boot.Qemu is null ? null : LinuxFlushBenchCommand.QemuCpu);
            json.WriteNumber("rounds", settings.Rounds);
            json.WriteNumber("runs", settings.Boot.Runs);
            json.WriteStartArray("results");
            foreach (LinuxFlushBenchRow r in rows)
            {
                json.WriteStartObject();
                json.WriteString("mode", r.Mode.Name);
                json.WriteNumber("vcpus", r.Vcpus);
                Number(json, "wallMs", r.WallMs);
                Number(json, "sysMs", r.SysMs);
                Number(json, "statKernelMs", r.StatKernelMs);
                Number(json, "flushTracepoint", r.Tracepoint);
                Number(json, "vmmFlushRequests", r.VmmRequests);
                Number(json, "vmmFlushP50Us", r.VmmP50Us);
                Number(json, "tlbIpis", r.TlbIpis);
                json.WriteNumber("passed", r.Passed);
                json.WriteNumber("failed", r.Failed);
                json.WriteBoolean("available", !r.Unavailable);
                json.WriteString("failure", r.Failure);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("goals");
            foreach (FlushBenchGoal g in goals)
            {
                json.WriteStartObject();
                json.WriteString("name", g.Name);
                json.WriteString("strategy", g.Strategy);
                json.WriteNumber("ratio", Math.Round(g.Ratio, 3));
                json.WriteString("goal", FormattableString.Invariant($"{(g.AtLeast ? ">=" : "<=")} {g.Target}"));
                json.WriteBoolean("met", g.Met);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("samples");
            foreach (LinuxFlushSample s in samples)
            {
                json.WriteStartObject();
                json.WriteString("mode", s.Mode.Name);
                json.WriteNumber("vcpus", s.Vcpus);
                json.WriteNumber("run", s.Run);
                json.WriteBoolean("passed", s.Passed);
                if (s.Report is LinuxFlushReport report)
                {
                    json.WriteNumber("rounds", report.Rounds);
                    json.WriteNumber("stale", report.Stale);
                    json.WriteNumber("wallUs", report.ElapsedUs);
                    json.WriteNumber("userUs", report.UserUs);
                    json.WriteNumber("sysUs", report.SysUs);
                    json.WriteNumber("statSysTicks", report.StatSysTicks);
                    json.WriteNumber("statIrqTicks", report.StatIrqTicks);
                    json.WriteNumber("tlbIpis", report.TlbDelta);
                    Number(json, "flushTracepoint", report.Tracepoint);
                    json.WriteBoolean("hyperVFlush", report.HyperVFlush);
                }

                Number(json, "vmmFlushRequests", s.VmmRequests);
                Number(json, "vmmFlushP50Us", s.VmmP50Us);
                json.WriteString("failure", s.Failure);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Number(Utf8JsonWriter json, string name, double? value)
    {
        if (value is double v)
        {
            json.WriteNumber(name, Math.Round(v, 3));
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void Number(Utf8JsonWriter json, string name, long? value)
    {
        if (value is long v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}

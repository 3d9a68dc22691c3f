using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace Vmm.Host.Cli;

/// <summary>The SVG plot of `vmm bench linux-flush --plot`: median guest sys time per vCPU count, one line per mode (OxyPlot's SVG exporter).</summary>
internal static class LinuxFlushBenchPlot
{
    private const double Width = 800;
    private const double Height = 480;

    /// <summary>The plot as an SVG document; a mode with no median at a vCPU count has no point there.</summary>
    public static string Render(IReadOnlyList<LinuxFlushBenchRow> rows, long rounds)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var model = new PlotModel { Title = FormattableString.Invariant($"Guest sys time of {rounds} remote-flush rounds (tlbcheck), median") };
        model.Legends.Add(new Legend { LegendPosition = LegendPosition.LeftTop, LegendPlacement = LegendPlacement.Inside });
        int[] vcpus = [.. rows.Select(r => r.Vcpus).Distinct().Order()];
        model.Axes.Add(new LinearAxis
        {
            Position = AxisPosition.Bottom, Title = "vCPUs", MajorStep = 1, MinorStep = 1,
            Minimum = vcpus.Length == 0 ? 0 : vcpus[0] - 0.5, Maximum = vcpus.Length == 0 ? 1 : vcpus[^1] + 0.5,
        });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "guest sys time (ms)", Minimum = 0 });
        foreach (IGrouping<string, LinuxFlushBenchRow> mode in rows.GroupBy(r => r.Mode.Name))
        {
            var series = new LineSeries { Title = mode.Key, MarkerType = MarkerType.Circle, MarkerSize = 4 };
            foreach (LinuxFlushBenchRow r in mode.Where(r => r.SysMs is not null).OrderBy(r => r.Vcpus))
            {
                series.Points.Add(new DataPoint(r.Vcpus, r.SysMs!.Value));
            }

            model.Series.Add(series);
        }

        return SvgExporter.ExportToString(model, Width, Height, isDocument: true);
    }
}

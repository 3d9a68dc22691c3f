using System.Globalization;
using System.Xml.Linq;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace Vmm.Host.Tracing;

/// <summary>
/// `vmm trace --plot FILE.svg`: the call rate over time (one line per hypercall) and a latency histogram per
/// hypercall (log-spaced bins of the dispatcher time), drawn by OxyPlot and exported with its SVG exporter; the
/// panels are stacked into one SVG document.
/// </summary>
public static class HypercallTracePlot
{
    private const double Width = 900;
    private const double RateHeight = 320;
    private const double HistogramHeight = 240;
    private const int HistogramBins = 40;
    private const int RateBins = 100;
    private static readonly XNamespace s_svg = "http://www.w3.org/2000/svg";

    /// <summary>Builds the SVG document for <paramref name="entries"/> (already filtered).</summary>
    public static XDocument Render(IReadOnlyList<HypercallTraceEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var panels = new List<(PlotModel Model, double Height)> { (RateModel(entries), RateHeight) };
        foreach (IGrouping<string, HypercallTraceEntry> call in entries.GroupBy(e => e.Name).OrderByDescending(g => g.Count()))
        {
            panels.Add((HistogramModel(call.Key, [.. call.Select(e => e.DurationUs)]), HistogramHeight));
        }

        double total = panels.Sum(p => p.Height);
        var root = new XElement(
            s_svg + "svg",
            new XAttribute("width", Number(Width)),
            new XAttribute("height", Number(total)),
            new XAttribute("viewBox", $"0 0 {Number(Width)} {Number(total)}"));
        double y = 0;
        foreach ((PlotModel model, double height) in panels)
        {
            string fragment = SvgExporter.ExportToString(model, Width, height, isDocument: false);
            XElement panel = XElement.Parse(fragment);
            panel.SetAttributeValue("y", Number(y));
            root.Add(panel);
            y += height;
        }

        return new XDocument(new XDeclaration("1.0", "utf-8", "no"), root);
    }

    /// <summary>Writes the plot of <paramref name="entries"/> to <paramref name="path"/>.</summary>
    public static void Save(IReadOnlyList<HypercallTraceEntry> entries, string path) => Render(entries).Save(path);

    private static PlotModel RateModel(IReadOnlyList<HypercallTraceEntry> entries)
    {
        var model = new PlotModel { Title = "Hypercall rate" };
        model.Legends.Add(new Legend { LegendPosition = LegendPosition.RightTop, LegendPlacement = LegendPlacement.Inside });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = "time since first call (s)" });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "calls/s", Minimum = 0 });
        if (entries.Count == 0)
        {
            return model;
        }

        DateTime start = entries.Min(e => e.Time);
        double span = Math.Max((entries.Max(e => e.Time) - start).TotalSeconds, 1e-3);
        double bin = span / RateBins;
        foreach (IGrouping<string, HypercallTraceEntry> call in entries.GroupBy(e => e.Name).OrderByDescending(g => g.Count()))
        {
            var counts = new long[RateBins + 1];
            foreach (HypercallTraceEntry e in call)
            {
                counts[Math.Min((int)((e.Time - start).TotalSeconds / bin), RateBins)]++;
            }

            var series = new StairStepSeries { Title = call.Key };
            for (int i = 0; i <= RateBins; i++)
            {
                series.Points.Add(new DataPoint(i * bin, counts[i] / bin));
            }

            model.Series.Add(series);
        }

        return model;
    }

    private static PlotModel HistogramModel(string name, List<double> durations)
    {
        var model = new PlotModel { Title = $"{name}: {durations.Count} calls, dispatcher time" };
        model.Axes.Add(new LogarithmicAxis { Position = AxisPosition.Bottom, Title = "µs" });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "calls", Minimum = 0 });

        // Log-spaced bins from the shortest to the longest call (at least a factor of 2 apart, and above zero).
        double min = Math.Max(durations.Min(), 0.01);
        double max = Math.Max(durations.Max(), min * 2);
        double ratio = Math.Pow(max / min, 1.0 / HistogramBins);
        var counts = new int[HistogramBins];
        foreach (double d in durations)
        {
            int index = d <= min ? 0 : (int)(Math.Log(d / min) / Math.Log(ratio));
            counts[Math.Clamp(index, 0, HistogramBins - 1)]++;
        }

        var series = new HistogramSeries { FillColor = OxyColor.FromRgb(0x4E, 0x79, 0xA7), StrokeThickness = 0.5 };
        for (int i = 0; i < HistogramBins; i++)
        {
            double low = min * Math.Pow(ratio, i);
            double high = low * ratio;
            series.Items.Add(new HistogramItem(low, high, counts[i] * (high - low), counts[i]));
        }

        model.Series.Add(series);
        return model;
    }

    private static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}

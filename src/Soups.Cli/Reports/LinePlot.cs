using ScottPlot;
using Soups.Strategies;

namespace Soups.Cli.Reports;

/// <summary>A strategy's <see cref="ResultPlot"/> as a PNG: one line with markers per series (e.g. per split).</summary>
internal static class LinePlot
{
    public static byte[] Render(ResultPlot data)
    {
        var plot = new Plot();
        for (var i = 0; i < data.Series.Count; i++)
        {
            var series = data.Series[i];
            var points = series.X.Zip(series.Y).Where(p => double.IsFinite(p.First) && double.IsFinite(p.Second)).ToList();
            var line = plot.Add.Scatter(points.Select(p => p.First).ToArray(), points.Select(p => p.Second).ToArray());
            line.LegendText = series.Name;
            line.Color = Palette.Default.GetColor(i);
            line.MarkerSize = series.MarkerSize;
            line.LineWidth = series.Line ? 2 : 0;
        }
        plot.XLabel(data.XLabel);
        plot.YLabel(data.YLabel);
        plot.Title(data.Title);
        plot.ShowLegend(Alignment.LowerCenter);
        return plot.GetImageBytes(800, 500, ImageFormat.Png);
    }
}

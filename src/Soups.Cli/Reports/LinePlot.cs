using ScottPlot;
using Soups.Strategies;

namespace Soups.Cli.Reports;

/// <summary>
/// A strategy's <see cref="ResultPlot"/> as a PNG: one line with markers per series (e.g. per split), its marks (the
/// chosen α or λ) called out with a ring, a dashed line and a label. The legend sits outside the data, on the right,
/// where it can never cover a curve.
/// </summary>
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
            if (series.Hollow)
            {
                line.MarkerShape = MarkerShape.OpenCircle;
                line.MarkerLineWidth = 2.5f;
            }
        }
        foreach (var mark in data.Marks.Where(m => double.IsFinite(m.X) && double.IsFinite(m.Y))) Mark(plot, data, mark);
        if (data.WholeX)
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                IntegerTicksOnly = true, MinorTickGenerator = new ScottPlot.TickGenerators.EvenlySpacedMinorTickGenerator(1),
            };
        plot.XLabel(data.XLabel);
        plot.YLabel(data.YLabel);
        plot.Title(data.Title);
        plot.ShowLegend(Edge.Right);
        return plot.GetImageBytes(800, 500, ImageFormat.Png);
    }

    // A black ring around the point, a dashed line down to the axis, and the label beside the point, on the side with
    // more room (left of a point in the right half).
    private static void Mark(Plot plot, ResultPlot data, PlotMark mark)
    {
        var xs = data.Series.SelectMany(s => s.X).Where(double.IsFinite).ToList();
        var rightHalf = xs.Count > 0 && mark.X > (xs.Min() + xs.Max()) / 2;
        var guide = plot.Add.VerticalLine(mark.X);
        guide.Color = Colors.Black.WithAlpha(0.35);
        guide.LinePattern = LinePattern.Dashed;
        guide.LineWidth = 1;
        var ring = plot.Add.Marker(mark.X, mark.Y);
        ring.MarkerShape = MarkerShape.OpenCircle;
        ring.MarkerSize = 18;
        ring.MarkerLineWidth = 2.5f;
        ring.Color = Colors.Black;
        var label = plot.Add.Text(mark.Label, mark.X, mark.Y);
        label.Alignment = rightHalf ? Alignment.LowerRight : Alignment.LowerLeft;
        label.OffsetX = rightHalf ? -10 : 10;
        label.OffsetY = -10;
        label.LabelFontSize = 13;
        label.LabelBackgroundColor = Colors.White.WithAlpha(0.85);
    }
}

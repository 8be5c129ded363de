using ScottPlot;
using Soups.Evaluation;

namespace Soups.Cli.Reports;

/// <summary>
/// The PNG like the paper's Figure 1: each ingredient as a point (held-out accuracy against mean test accuracy),
/// soups and ensembles as marked points. Without test splits, the y axis is held-out loss.
/// </summary>
internal static class ComparisonPlot
{
    public static void Save(string path, IReadOnlyList<ScoreRow> ingredients, IReadOnlyList<ScoreRow> methods, bool hasTests)
    {
        double Y(ScoreRow r) => hasTests ? 100 * r.MeanTestAccuracy!.Value : r.HeldOut.Loss;
        var plot = new Plot();
        var points = plot.Add.Scatter(ingredients.Select(r => 100 * r.HeldOut.Accuracy).ToArray(), ingredients.Select(Y).ToArray());
        points.LineWidth = 0;
        points.MarkerSize = 7;
        points.Color = Colors.Gray;
        points.LegendText = "ingredients";
        MarkerShape[] shapes = [MarkerShape.FilledDiamond, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledTriangleDown, MarkerShape.Cross, MarkerShape.Asterisk, MarkerShape.FilledCircle];
        for (var i = 0; i < methods.Count; i++)
        {
            var marker = plot.Add.Marker(100 * methods[i].HeldOut.Accuracy, Y(methods[i]));
            marker.MarkerShape = shapes[i % shapes.Length];
            marker.MarkerSize = 13;
            marker.Color = Palette.Default.GetColor(i);
            marker.LegendText = methods[i].Name;
        }
        plot.XLabel("held-out accuracy (%)");
        plot.YLabel(hasTests ? "mean test accuracy (%)" : "held-out loss");
        plot.Title("Ingredients, soups and ensembles");
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, 900, 650);
    }
}

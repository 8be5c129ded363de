using ScottPlot;
using Soups.Evaluation;

namespace Soups.Cli.Reports;

/// <summary>
/// The PNG like the paper's Figure 1: each ingredient as a point (held-out accuracy against mean test accuracy),
/// soups and ensembles as marked points. Without test splits, the y axis is held-out loss.
/// </summary>
internal static class ComparisonPlot
{
    /// <summary>The PNG's bytes. Rows with a non-finite value (a broken ingredient's NaN loss) are left out of the picture.</summary>
    public static byte[] Render(IReadOnlyList<ScoreRow> ingredients, IReadOnlyList<ScoreRow> methods, bool hasTests)
    {
        double Y(ScoreRow r) => hasTests ? 100 * r.MeanTestAccuracy!.Value : r.HeldOut.Loss;
        bool Finite(ScoreRow r) => double.IsFinite(r.HeldOut.Accuracy) && double.IsFinite(Y(r));
        ingredients = ingredients.Where(Finite).ToList();
        methods = methods.Where(Finite).ToList();
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
        return plot.GetImageBytes(900, 650, ImageFormat.Png);
    }
}

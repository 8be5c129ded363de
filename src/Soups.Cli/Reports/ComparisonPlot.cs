using ScottPlot;
using Soups.Evaluation;

namespace Soups.Cli.Reports;

/// <summary>
/// The PNG like the paper's Figure 1: each ingredient as a point (held-out accuracy against mean test accuracy),
/// soups and ensembles as marked points. Without test splits, the y axis is held-out loss. Methods that land on the
/// same spot (a greedy soup of one ingredient is the best individual) are drawn as rings around it, each larger than
/// the last, so every one of them stays visible.
/// </summary>
internal static class ComparisonPlot
{
    private const int Width = 900, Height = 650;
    private const float Size = 13;

    private static readonly MarkerShape[] Filled =
        [MarkerShape.FilledDiamond, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledTriangleDown, MarkerShape.Cross, MarkerShape.Asterisk, MarkerShape.FilledCircle];

    private static readonly MarkerShape[] Open =
        [MarkerShape.OpenDiamond, MarkerShape.OpenSquare, MarkerShape.OpenTriangleUp, MarkerShape.OpenTriangleDown, MarkerShape.Cross, MarkerShape.Asterisk, MarkerShape.OpenCircle];

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
        var at = methods.Select(m => (X: 100 * m.HeldOut.Accuracy, Y: Y(m))).ToList();
        var overlap = Overlap(at.Concat(ingredients.Select(r => (X: 100 * r.HeldOut.Accuracy, Y: Y(r)))).ToList());
        for (var i = 0; i < methods.Count; i++)
        {
            var under = Enumerable.Range(0, i).Count(j => overlap(at[i], at[j]));
            var marker = plot.Add.Marker(at[i].X, at[i].Y);
            marker.MarkerShape = (under == 0 ? Filled : Open)[i % Filled.Length];
            marker.MarkerSize = Size + 9 * under;
            marker.MarkerLineWidth = under == 0 ? 1 : 2.5f;
            marker.Color = Palette.Default.GetColor(i);
            marker.LegendText = methods[i].Name;
        }
        plot.XLabel("held-out accuracy (%)");
        plot.YLabel(hasTests ? "mean test accuracy (%)" : "held-out loss");
        plot.Title("Ingredients, soups and ensembles");
        plot.ShowLegend(Alignment.LowerRight);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    // Whether two points would be drawn within a marker's width of each other, judged on the data's span over about
    // the pixels of the data area.
    private static Func<(double X, double Y), (double X, double Y), bool> Overlap(IReadOnlyList<(double X, double Y)> all)
    {
        if (all.Count == 0) return (_, _) => false;
        var spanX = Math.Max(all.Max(p => p.X) - all.Min(p => p.X), 1e-9);
        var spanY = Math.Max(all.Max(p => p.Y) - all.Min(p => p.Y), 1e-9);
        const double pixelsX = Width * 0.85, pixelsY = Height * 0.8;
        return (a, b) => Math.Abs(a.X - b.X) / spanX * pixelsX < Size && Math.Abs(a.Y - b.Y) / spanY * pixelsY < Size;
    }
}

using System.Globalization;
using Soups.Baking;
using Soups.Evaluation;

namespace Soups.Strategies;

/// <summary>One soup of a one-parameter family (an interpolation α, a task-vector scale λ), scored.</summary>
/// <param name="X">The parameter's value.</param>
/// <param name="HeldOutAccuracy">Held-out accuracy.</param>
/// <param name="HeldOutLoss">Held-out mean cross-entropy.</param>
/// <param name="TestAccuracy">Accuracy on each test split, by name.</param>
public sealed record CurvePoint(double X, double HeldOutAccuracy, double HeldOutLoss, IReadOnlyDictionary<string, double> TestAccuracy);

/// <summary>
/// Scores a one-parameter family of soups built in memory — on the held-out split, where choices are made, and on
/// every test split, which are only reported — and picks the best point. Shared by the strategies that choose an α or
/// a λ on held-out data.
/// </summary>
public static class Curve
{
    /// <summary>Scores <c>build(x)</c> for every x, in order.</summary>
    public static IReadOnlyList<CurvePoint> Score(PlanContext context, IReadOnlyList<double> xs, Func<double, SoupState> build, string symbol)
    {
        var points = new List<CurvePoint>();
        foreach (var x in xs)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            context.Report("curve", points.Count, xs.Count, $"curve: point {points.Count + 1}/{xs.Count} ({symbol} = {x.ToString(CultureInfo.InvariantCulture)})");
            using var soup = build(x);
            var label = $"{symbol} = {x.ToString(CultureInfo.InvariantCulture)}";
            var heldOut = context.Evaluator.Score(soup.Tensors, label, context.HeldOut, context.Cancellation);
            var tests = context.Tests.ToDictionary(t => t.Name,
                t => context.Evaluator.Score(soup.Tensors, label, t.Split, context.Cancellation).Accuracy);
            points.Add(new CurvePoint(x, heldOut.Accuracy, heldOut.Loss, tests));
            context.Step(string.Create(CultureInfo.InvariantCulture, $"{label}: held-out accuracy {Percent.Sign(heldOut.Accuracy)}, loss {heldOut.Loss:0.0000}") +
                         string.Concat(tests.Select(t => $", {t.Key} {Percent.Sign(t.Value)}")), NoteTone.Plain);
        }
        return points;
    }

    /// <summary>The point of best held-out accuracy; among equals, the one with the larger x (NaN never wins).</summary>
    public static CurvePoint Best(IReadOnlyList<CurvePoint> points) =>
        points.Where(p => !double.IsNaN(p.HeldOutAccuracy)).OrderBy(p => p.HeldOutAccuracy).ThenBy(p => p.X).LastOrDefault() ?? points[^1];

    /// <summary>The curve as a table: x, held-out accuracy and loss, each test split's accuracy.</summary>
    public static ResultTable Table(string title, string symbol, IReadOnlyList<CurvePoint> points)
    {
        var tests = points.Count == 0 ? [] : points[0].TestAccuracy.Keys.ToList();
        return new ResultTable(title, [symbol, "held-out", "loss", .. tests], points.Select(p => (IReadOnlyList<string>)
            [F(p.X, "0.####"), Percent.Of(p.HeldOutAccuracy), F(p.HeldOutLoss, "0.0000"), .. tests.Select(t => Percent.Of(p.TestAccuracy[t]))]).ToList())
        {
            Live = true, // each point was told as a step while it was scored
        };
    }

    /// <summary>
    /// The curve as a picture: accuracy (%) against x (named <paramref name="symbol"/>), one line per split, with the
    /// point chosen at <paramref name="chosen"/> marked on the held-out line.
    /// </summary>
    public static ResultPlot Plot(string name, string title, string symbol, IReadOnlyList<CurvePoint> points, double chosen)
    {
        var x = points.Select(p => p.X).ToList();
        var series = new List<PlotSeries> { new("held-out", x, points.Select(p => 100 * p.HeldOutAccuracy).ToList()) };
        if (points.Count > 0)
            series.AddRange(points[0].TestAccuracy.Keys.Select(t => new PlotSeries(t, x, points.Select(p => 100 * p.TestAccuracy[t]).ToList())));
        var marks = points.Where(p => p.X == chosen && double.IsFinite(p.HeldOutAccuracy)).Take(1)
            .Select(p => new PlotMark(p.X, 100 * p.HeldOutAccuracy, $"chosen: {symbol} = {F(p.X, "0.####")} ({Percent.Sign(p.HeldOutAccuracy)} held-out)"));
        return new ResultPlot(name, title, symbol, "accuracy (%)", series) { Marks = marks.ToList() };
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}

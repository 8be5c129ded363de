using System.Globalization;
using Soups.Baking;

namespace Soups.Strategies.BuiltIn;

/// <summary>
/// Interpolation between two checkpoints, θ(α) = (1−α)·θ_A + α·θ_B for each α of a grid, scored on the held-out split
/// (and reported on every test split); the soup written is the best held-out α (ties: the larger α). With A the
/// zero-shot or pretrained model and B a fine-tune this is WiSE-FT (Wortsman et al., CVPR 2022) / PAINT (Ilharco et
/// al., NeurIPS 2022). With two fine-tunes it is the basin check model soups rest on (Neyshabur et al. 2020): the
/// barrier — the largest drop of the accuracy curve below the straight line between its end points — says whether the
/// two share a basin; the threshold defaults to the 2 % of Frankle et al. (2020, "linear mode connectivity").
/// </summary>
public sealed class InterpolateSoup : SoupStrategy<InterpolateSoup.Options>
{
    /// <summary>The α values to score.</summary>
    public static readonly Parameter<Grid> Alphas = Grid.Parameter("alphas", "0:1:0.1",
        "The values of α in θ(α) = (1-α)·A + α·B to score: a list (0,0.25,0.5) or a range START:STOP:STEP, within [0, 1].",
        alpha => alpha is >= 0 and <= 1, "every α must lie in [0, 1]");

    /// <summary>The largest accuracy barrier two checkpoints may have and still share a basin.</summary>
    public static readonly Parameter<double> Barrier = Parameter.Number("barrier", 0.02,
        "The accuracy barrier (as a fraction: 0.02 is 2 points) at or below which the two are said to share a basin.", 0);

    /// <summary>The settings of an interpolation.</summary>
    public sealed record Options(Grid Alphas, double Barrier = 0.02);

    /// <summary>The curve, the α chosen, and the basin check.</summary>
    /// <param name="A">The checkpoint at α = 0.</param>
    /// <param name="B">The checkpoint at α = 1.</param>
    /// <param name="Curve">Every α scored.</param>
    /// <param name="Alpha">The α of the soup written.</param>
    /// <param name="AccuracyBarrier">The largest drop of held-out accuracy below the line between the curve's end points.</param>
    /// <param name="LossBarrier">The largest rise of held-out loss above the line between the curve's end points.</param>
    /// <param name="Threshold">The barrier at or below which the two share a basin.</param>
    /// <param name="SharedBasin">Whether they do.</param>
    public sealed record Result(string A, string B, IReadOnlyList<CurvePoint> Curve, double Alpha, double AccuracyBarrier,
        double LossBarrier, double Threshold, bool SharedBasin) : StrategyResult
    {
        /// <inheritdoc />
        public override string Summary() => string.Create(CultureInfo.InvariantCulture,
            $"interpolation, best held-out α = {Alpha:0.####}; accuracy barrier {100 * AccuracyBarrier:0.00} points, " +
            $"loss barrier {LossBarrier:0.0000}: ") +
            (SharedBasin ? "the two share a basin (no barrier above the threshold)" : "the two do NOT share a basin (a barrier above the threshold)");

        /// <inheritdoc />
        public override IReadOnlyList<ResultTable> Tables() => [Strategies.Curve.Table("curve", "α", Curve)];

        /// <inheritdoc />
        public override IReadOnlyList<ResultPlot> Plots() =>
            [Strategies.Curve.Plot("curve", $"{Path.GetFileName(A)} (α = 0) to {Path.GetFileName(B)} (α = 1)", "α", Curve, Alpha)];
    }

    /// <inheritdoc />
    public override string Name => "interpolate";

    /// <inheritdoc />
    public override string Summary =>
        "Interpolate two checkpoints A B (WiSE-FT; with two fine-tunes, the basin check): score each α, write the best.";

    /// <inheritdoc />
    public override StrategyNeeds Needs => StrategyNeeds.HeldOut;

    /// <inheritdoc />
    public override (int Min, int Max) IngredientCount => (2, 2);

    /// <inheritdoc />
    public override IReadOnlyList<IngredientRole> Roles =>
    [
        new("A", "The checkpoint at α = 0: the pretrained or zero-shot model for WiSE-FT, or one fine-tune for the basin check."),
        new("B", "The checkpoint at α = 1: a fine-tune."),
    ];

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Parameters => [Alphas, Barrier];

    /// <inheritdoc />
    public override IReadOnlyList<string> PlotNames => ["curve"];

    /// <inheritdoc />
    public override Options Read(ParameterValues values) => new(values.Get(Alphas), values.Get(Barrier));

    /// <inheritdoc />
    public override SoupPlan Plan(PlanContext context, Options options)
    {
        var (a, b) = (context.Ingredients.Readers[0], context.Ingredients.Readers[1]);
        IReadOnlyList<CurvePoint> curve;
        using (var stateA = SoupState.From(a, context.Device))
        using (var stateB = SoupState.From(b, context.Device))
            curve = Curve.Score(context, options.Alphas.Values, alpha => SoupState.Combine(stateA, 1 - alpha, stateB, alpha), "α");
        var best = Curve.Best(curve);
        if (GridEdge.Warning(options.Alphas, best.X, "α", Alphas.Name, lowest: 0, highest: 1) is { } edge) context.Warn(edge);
        var (accuracyBarrier, lossBarrier) = Barriers(curve);
        var result = new Result(a.Path, b.Path, curve, best.X, accuracyBarrier, lossBarrier, options.Barrier, accuracyBarrier <= options.Barrier);
        return new SoupPlan(Name, $"interpolation (α = {best.X.ToString("0.####", CultureInfo.InvariantCulture)})",
            new WeightedMean([1 - best.X, best.X]), result);
    }

    /// <summary>
    /// The accuracy barrier (largest drop below the line between the end points) and the loss barrier (largest rise
    /// above it), never below zero.
    /// </summary>
    public static (double Accuracy, double Loss) Barriers(IReadOnlyList<CurvePoint> curve)
    {
        var sorted = curve.OrderBy(p => p.X).ToList();
        if (sorted.Count < 3) return (0, 0);
        var (first, last) = (sorted[0], sorted[^1]);
        double accuracy = 0, loss = 0;
        foreach (var p in sorted)
        {
            var f = (p.X - first.X) / (last.X - first.X);
            accuracy = Math.Max(accuracy, first.HeldOutAccuracy + f * (last.HeldOutAccuracy - first.HeldOutAccuracy) - p.HeldOutAccuracy);
            loss = Math.Max(loss, p.HeldOutLoss - (first.HeldOutLoss + f * (last.HeldOutLoss - first.HeldOutLoss)));
        }
        return (accuracy, loss);
    }
}

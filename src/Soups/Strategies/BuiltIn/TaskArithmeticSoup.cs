using System.Globalization;
using Soups.Baking;
using TorchSharp;

namespace Soups.Strategies.BuiltIn;

/// <summary>
/// Task arithmetic (Ilharco et al., ICLR 2023): θ = θ_base + λ·Σᵢ τᵢ with task vectors τᵢ = θᵢ − θ_base. With a fixed
/// scale λ it needs no held-out split; without one, λ is chosen on the held-out split from a grid (ties: the larger λ)
/// and the curve is reported like an interpolation's.
/// </summary>
public sealed class TaskArithmeticSoup : SoupStrategy<TaskArithmeticSoup.Options>
{
    /// <summary>The settings of task arithmetic.</summary>
    public sealed record Options(double? Scale, Grid Scales);

    /// <summary>The scale used and, when it was chosen, the curve it was chosen on.</summary>
    public sealed record Result(double Scale, IReadOnlyList<CurvePoint>? Curve) : StrategyResult
    {
        /// <inheritdoc />
        public override string Summary() =>
            string.Create(CultureInfo.InvariantCulture, $"task arithmetic, base + {Scale:0.####} · sum of the task vectors")
            + (Curve is null ? "" : " (the scale chosen on held-out)");

        /// <inheritdoc />
        public override IReadOnlyList<ResultTable> Tables() => Curve is null ? [] : [Strategies.Curve.Table("scales tried", "λ", Curve)];

        /// <inheritdoc />
        public override IReadOnlyList<ResultPlot> Plots() =>
            Curve is null ? [] : [Strategies.Curve.Plot("curve", "task arithmetic: base + λ · sum of task vectors", "λ", Curve, Scale)];
    }

    /// <inheritdoc />
    public override string Name => "task-arithmetic";

    /// <inheritdoc />
    public override string Summary => "Bake base + λ · (sum of the task vectors); λ fixed with --scale, or chosen on the held-out split.";

    /// <inheritdoc />
    public override StrategyNeeds Needs => StrategyNeeds.Base;

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Parameters => [SharedParameters.Scale, SharedParameters.Scales];

    /// <inheritdoc />
    public override IReadOnlyList<string> PlotNames => ["curve"];

    /// <inheritdoc />
    public override Options Read(ParameterValues values) => new(values.Get(SharedParameters.Scale), values.Get(SharedParameters.Scales));

    /// <inheritdoc />
    public override SoupPlan Plan(PlanContext context, Options options)
    {
        if (options.Scale is { } fixedScale)
            return Planned(fixedScale, null);
        if (!context.HasEvaluator)
            throw new StrategyNeedsException(Name, StrategyNeeds.HeldOut, $"the {Name} strategy needs --scale or a held-out split to choose it on");
        var curve = ScaleCurve(context, options.Scales, new TaskVectorMerge(1, withBase: false));
        return Planned(ChooseScale(context, options.Scales, curve), curve);

        SoupPlan Planned(double scale, IReadOnlyList<CurvePoint>? points) =>
            new(Name, $"task arithmetic (λ = {scale.ToString("0.####", CultureInfo.InvariantCulture)})", new TaskVectorMerge(scale, withBase: true),
                new Result(scale, points))
            {
                Replay = new Dictionary<string, string> { [SharedParameters.Scale.Name] = SharedParameters.Scale.Format(scale) },
            };
    }

    /// <summary>The λ of best held-out accuracy, with a warning when it lies at the edge of <paramref name="scales"/>.</summary>
    public static double ChooseScale(PlanContext context, Grid scales, IReadOnlyList<CurvePoint> curve)
    {
        var chosen = Curve.Best(curve).X;
        if (GridEdge.Warning(scales, chosen, "λ", SharedParameters.Scales.Name, lowest: 0, highest: double.PositiveInfinity) is { } edge) context.Warn(edge);
        return chosen;
    }

    /// <summary>Scores base + λ·τ for every λ of <paramref name="scales"/>, τ being what <paramref name="taskVector"/> makes.</summary>
    public static IReadOnlyList<CurvePoint> ScaleCurve(PlanContext context, Grid scales, ITensorMerge taskVector)
    {
        using var baseState = SoupState.From(context.Ingredients.Base!, context.Device);
        using var vector = SoupState.Build(context.Ingredients, taskVector, context.Device, []);
        return Curve.Score(context, scales.Values, scale => SoupState.Combine(baseState, 1, vector, scale), "λ");
    }

    /// <summary>θ_base + λ·Σᵢ (θᵢ − θ_base) in float64, one ingredient at a time (or the scaled sum alone).</summary>
    private sealed class TaskVectorMerge(double scale, bool withBase) : ITensorMerge
    {
        public torch.Tensor Merge(TensorInputs inputs, torch.ScalarType dtype, ICollection<string> warnings)
        {
            using var scope = torch.NewDisposeScope();
            var baseTensor = inputs.Base().to(torch.float64, inputs.Device);
            var sum = torch.zeros_like(baseTensor);
            for (var i = 0; i < inputs.Count; i++)
            {
                using var ingredient = inputs.Ingredient(i);
                using var inputTensor = ingredient.to(torch.float64, inputs.Device);
                using var tau = inputTensor - baseTensor;
                sum.add_(tau);
            }
            var merged = withBase ? baseTensor + sum * scale : sum * scale;
            NonFinite.Check(inputs, null, merged, warnings);
            return merged.to(dtype).MoveToOuterDisposeScope();
        }
    }
}

using System.Globalization;
using Soups.Baking;

namespace Soups.Strategies.BuiltIn;

/// <summary>
/// The uniform soup (Wortsman et al. 2022, section 3): the plain mean of all ingredients, or a weighted mean
/// Σ w·x / Σ w when weights are given.
/// </summary>
public sealed class UniformSoup : SoupStrategy<UniformSoup.Options>
{
    /// <summary>One weight per ingredient; none for the plain mean.</summary>
    public static readonly Parameter<IReadOnlyList<double>?> Weights = Parameter.Numbers("weights",
        "Comma-separated non-negative weights, one per checkpoint, for a weighted mean: sum(w*x)/sum(w). Without them, every checkpoint weighs the same.",
        WeightedMean.CheckWeights);

    /// <summary>The settings of a uniform soup.</summary>
    /// <param name="Weights">One relative weight per ingredient, or null for equal weights.</param>
    public sealed record Options(IReadOnlyList<double>? Weights = null);

    /// <summary>What a uniform soup decided: the relative weights.</summary>
    public sealed record Result(IReadOnlyList<double> Weights) : StrategyResult
    {
        /// <inheritdoc />
        public override string Summary() => Weights.All(w => w == Weights[0])
            ? $"the mean of {Weights.Count} ingredients"
            : "the weighted mean with weights " + string.Join(", ", Weights.Select(w => w.ToString("0.####", CultureInfo.InvariantCulture)));
    }

    /// <inheritdoc />
    public override string Name => "uniform";

    /// <inheritdoc />
    public override string Summary => "Bake the uniform soup: the exact mean of all checkpoints, accumulated in float64.";

    /// <inheritdoc />
    public override StrategyNeeds Needs => StrategyNeeds.None;

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Parameters => [Weights];

    /// <inheritdoc />
    public override Options Read(ParameterValues values) => new(values.Get(Weights));

    /// <inheritdoc />
    public override SoupPlan Plan(PlanContext context, Options options)
    {
        var count = context.Ingredients.Count;
        if (options.Weights != null && options.Weights.Count != count)
            throw new OptionException(Weights.Name, $"{options.Weights.Count} value(s) for {count} checkpoint(s)");
        var weights = options.Weights ?? Enumerable.Repeat(1.0, count).ToArray();
        // Scored beside the uniform soup, a weighted mean must not share its name.
        var label = weights.All(w => w == weights[0]) ? "uniform soup" : "weighted mean soup";
        return new SoupPlan(Name, label, new WeightedMean(weights), new Result(weights));
    }
}

namespace Soups.Souping;

/// <summary>
/// What a strategy decided: the relative weight of each ingredient (the baker divides by their sum, so 1,1,1 is the
/// exact mean), optionally per tensor. Baking a recipe is the same for every strategy (<see cref="SoupBaker"/>).
/// </summary>
public sealed record SoupRecipe(string Strategy, IReadOnlyList<double> Weights)
{
    /// <summary>Weights per tensor name, for strategies that mix layer by layer; null when the same for all.</summary>
    public IReadOnlyDictionary<string, double[]>? PerTensor { get; init; }

    /// <summary>What the strategy found on the way (e.g. greedy's steps), for reports; null when nothing to add.</summary>
    public object? Details { get; init; }

    /// <summary>Weights for one tensor.</summary>
    public IReadOnlyList<double> WeightsFor(string tensor) =>
        PerTensor != null && PerTensor.TryGetValue(tensor, out var w) ? w : Weights;

    /// <summary>The weights normalised to sum 1, as reports show them.</summary>
    public IReadOnlyList<double> NormalisedWeights => Normalise(Weights);

    /// <summary>Normalises non-negative weights to sum 1; throws a usage error otherwise.</summary>
    public static double[] Normalise(IReadOnlyList<double> weights)
    {
        SoupMixer.CheckWeights(weights);
        var sum = weights.Sum();
        return weights.Select(w => w / sum).ToArray();
    }
}

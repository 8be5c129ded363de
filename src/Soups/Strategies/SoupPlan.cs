using Soups.Baking;

namespace Soups.Strategies;

/// <summary>
/// What a strategy decided: the per-tensor arithmetic the baker runs (<see cref="Merge"/>), and everything it found on
/// the way (<see cref="Result"/>, typed per strategy) for reports.
/// </summary>
/// <param name="Strategy">The strategy's name as the soup's metadata and reports give it (e.g. <c>learned-layer</c>).</param>
/// <param name="Label">How tables name the soup, e.g. <c>greedy soup (3 ingredients)</c>.</param>
/// <param name="Merge">Makes each tensor of the soup.</param>
/// <param name="Result">What the strategy found.</param>
public sealed record SoupPlan(string Strategy, string Label, ITensorMerge Merge, StrategyResult Result)
{
    /// <summary>Each ingredient's relative weight, when the soup is a weighted mean; null when it is not.</summary>
    public IReadOnlyList<double>? Weights => (Merge as WeightedMean)?.Weights;

    /// <summary>True when the weights differ from tensor to tensor (a by-layer learned soup).</summary>
    public bool PerTensorWeights => (Merge as WeightedMean)?.PerTensor != null;
}

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
public sealed record SoupPlan(string Strategy, string Label, ITensorMerge Merge, StrategyResult Result) : IDisposable
{
    /// <summary>Releases what the merge holds (e.g. a Fisher soup's scratch files) once the soup is baked.</summary>
    public void Dispose() => (Merge as IDisposable)?.Dispose();

    /// <summary>Each ingredient's relative weight, when the soup is a weighted mean; null when it is not.</summary>
    public IReadOnlyList<double>? Weights => (Merge as WeightedMean)?.Weights;

    /// <summary>True when the weights differ from tensor to tensor (a by-layer learned soup).</summary>
    public bool PerTensorWeights => (Merge as WeightedMean)?.PerTensor != null;

    /// <summary>True when the soup is the uniform soup: every ingredient, with equal weights.</summary>
    public bool IsUniform => Weights is { Count: > 0 } w && !PerTensorWeights && w[0] > 0 && w.All(x => x == w[0]);

    /// <summary>
    /// Settings (parameter name → text) that replay this plan's decision without redoing its search: e.g. the scale
    /// task arithmetic chose on the held-out split. A soup's recipe records them over the settings given (issue #11).
    /// </summary>
    public IReadOnlyDictionary<string, string> Replay { get; init; } = new Dictionary<string, string>();

    /// <summary>False when the plan did only its share of a job array's work: there is no soup to bake.</summary>
    public bool Complete { get; private init; } = true;

    /// <summary>A plan that did its share of a job array's work (recorded in the results files) and decides no soup.</summary>
    public static SoupPlan Partial(string strategy, string label, StrategyResult result) =>
        new(strategy, label, NoMerge.Instance, result) { Complete = false };

    private sealed class NoMerge : ITensorMerge
    {
        public static NoMerge Instance { get; } = new();

        public TorchSharp.torch.Tensor Merge(TensorInputs inputs, TorchSharp.torch.ScalarType dtype, ICollection<string> warnings) =>
            throw new InvalidOperationException("a partial plan (one shard of a job array) has no soup to bake");
    }
}

namespace Soups.Runs;

/// <summary>What <c>soup compare</c> runs.</summary>
/// <param name="Methods">The rows to make, by name (strategy variants and the ensembles); null for every one that applies.</param>
/// <param name="Parameters">Parameter values for every strategy.</param>
/// <param name="Ingredients">The checkpoints.</param>
/// <param name="Evaluation">How to evaluate.</param>
/// <param name="Compute">Device and threads.</param>
/// <param name="Folder">Where the soups go, as <c>NAME.safetensors</c>.</param>
/// <param name="Overwrite">Replace existing files there.</param>
/// <param name="OtherOutputs">The report files (<see cref="Reports"/> makes them), checked against the inputs up front.</param>
public sealed record ComparisonRequest(IReadOnlyList<string>? Methods, Strategies.ParameterValues Parameters,
    IngredientRequest Ingredients, EvaluationRequest Evaluation, ComputeRequest Compute, string Folder, bool Overwrite,
    IReadOnlyList<string> OtherOutputs)
{
    /// <summary>The strategies compared (the registry's unless a caller brings its own).</summary>
    public IReadOnlyList<Strategies.ISoupStrategy> Strategies { get; init; } = Soups.Strategies.KnownStrategies.All;

    /// <summary>
    /// The report files of a result, by path (a front end's tables and plots), published with the soups; null writes none.
    /// </summary>
    public Func<ComparisonResult, IReadOnlyDictionary<string, byte[]>>? Reports { get; init; }
}

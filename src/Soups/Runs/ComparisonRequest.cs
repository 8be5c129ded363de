using Soups.Strategies;

namespace Soups.Runs;

/// <summary>What <c>soup compare</c> runs.</summary>
/// <param name="Methods">The rows to make, by name (strategy variants and the ensembles); null for every one that applies.</param>
/// <param name="Settings">
/// Each strategy's parameter values, its own (a strategy not in it runs with its defaults); a row of a strategy with
/// several (<see cref="StrategyVariant"/>) starts from that strategy's values.
/// </param>
/// <param name="Ingredients">The checkpoints.</param>
/// <param name="Evaluation">How to evaluate.</param>
/// <param name="Compute">Device and threads.</param>
/// <param name="Folder">Where the soups go, as <c>NAME.safetensors</c>.</param>
/// <param name="Overwrite">Replace existing files there.</param>
/// <param name="OtherOutputs">The report files (<see cref="Reports"/> makes them), checked against the inputs up front.</param>
public sealed record ComparisonRequest(IReadOnlyList<string>? Methods,
    IReadOnlyDictionary<ISoupStrategy, ParameterValues> Settings,
    IngredientRequest Ingredients, EvaluationRequest Evaluation, ComputeRequest Compute, string Folder, bool Overwrite,
    IReadOnlyList<string> OtherOutputs)
{
    /// <summary>The strategies compared (the registry's unless a caller brings its own).</summary>
    public IReadOnlyList<ISoupStrategy> Strategies { get; init; } = KnownStrategies.All;

    /// <summary>The parameter values of <paramref name="strategy"/>: those given for it, or its defaults.</summary>
    public ParameterValues SettingsOf(ISoupStrategy strategy) =>
        Settings.TryGetValue(strategy, out var values) ? values : ParameterValues.Defaults;

    /// <summary>
    /// The report files of a result, by path (a front end's tables and plots), published with the soups; null writes none.
    /// </summary>
    public Func<ComparisonResult, IReadOnlyDictionary<string, byte[]>>? Reports { get; init; }
}

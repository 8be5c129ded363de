using System.Text.Json.Nodes;
using Soups.Evaluation;
using Soups.Strategies;

namespace Soups.Runs;

/// <summary>One ingredient as reports list it: its file and its share of the soup (when the soup is a weighted mean).</summary>
public sealed record IngredientReport(string Path, double? Weight);

/// <summary>The written file as reports describe it.</summary>
public sealed record OutputReport(string Path, string Format, string Sha256, long Bytes, int Tensors, long Parameters);

/// <summary>
/// What a soup run did: printed by <c>--json</c> and written to <c>OUT.report.json</c>. <see cref="Details"/> is the
/// strategy's own result record; <see cref="Scores"/> the soup beside the best individual and the uniform soup, when
/// the run evaluated. <see cref="Settings"/> are typed JSON values (the recipe in the soup keeps their text forms).
/// </summary>
public sealed record SoupRunResult(string Strategy, OutputReport? Output, IReadOnlyList<IngredientReport> Ingredients,
    string? Base, IReadOnlyDictionary<string, JsonNode?> Settings, StrategyResult Details, IReadOnlyList<ScoreRow>? Scores,
    IReadOnlyList<string> Warnings, string ToolVersion, double ElapsedSeconds)
{
    /// <summary>How tables name the soup.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Label { get; init; } = Strategy;
}

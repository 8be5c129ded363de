namespace Soups.Souping;

/// <summary>One ingredient as reports list it.</summary>
public sealed record IngredientReport(string Path, double Weight);

/// <summary>The written file as reports describe it.</summary>
public sealed record OutputReport(string Path, string Format, string Sha256, long Bytes, int Tensors, long Parameters);

/// <summary>What a soup command did: printed by <c>--json</c> and kept in report files.</summary>
public sealed record SoupReport(string Strategy, OutputReport Output, IReadOnlyList<IngredientReport> Ingredients,
    IReadOnlyList<string> Warnings, string ToolVersion, double ElapsedSeconds)
{
    /// <summary>Strategy-specific findings (greedy's steps, learned coefficients), or null.</summary>
    public object? Details { get; init; }

    /// <summary>Scores of the soup and its baselines on the held-out and test splits, when evaluated.</summary>
    public object? Scores { get; init; }

    /// <summary>Assembles the report of a baked recipe.</summary>
    public static SoupReport From(IngredientSet ingredients, SoupRecipe recipe, BakeResult baked, TimeSpan elapsed) => new(
        recipe.Strategy,
        new OutputReport(baked.Path, baked.Format, baked.Sha256, baked.Bytes, baked.TensorCount, baked.ParameterCount),
        ingredients.Readers.Select((r, i) => new IngredientReport(r.Path, recipe.NormalisedWeights[i])).ToList(),
        baked.Warnings,
        Soups.ToolVersion.Text,
        Math.Round(elapsed.TotalSeconds, 3)) { Details = recipe.Details };
}

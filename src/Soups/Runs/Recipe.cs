using System.Text.Json;
using System.Text.Json.Serialization;
using Soups.Baking;
using Soups.Checkpoints;
using Soups.Strategies;

namespace Soups.Runs;

/// <summary>
/// How a soup was made, stored in its safetensors metadata under <see cref="MetadataKey"/> (issue #11): enough to
/// trace every file it came from and to bake it again bit for bit (<c>soup rebake</c>). When an ingredient is itself
/// a soup with a recipe, that recipe is nested in its entry, so a soup of soups carries its whole tree.
/// </summary>
/// <param name="Version">The recipe format (1).</param>
/// <param name="Tool">The tool that baked it, e.g. <c>soup 0.9.0</c>.</param>
/// <param name="Strategy">The strategy's name as the soup records it (e.g. <c>learned-layer</c>).</param>
/// <param name="Command">The registered strategy that replays it (e.g. <c>learned</c>).</param>
/// <param name="Settings">The strategy's settings as text, with what its plan chose (e.g. a scale) written over them.</param>
/// <param name="Ingredients">Each ingredient's file name, SHA-256 and (when it is a soup) recipe.</param>
/// <param name="Base">The base checkpoint, when one was used.</param>
/// <param name="Weights">The raw weights of a weighted mean (null when the soup is not one).</param>
/// <param name="TensorWeights">Per-tensor raw weights (a by-layer learned soup).</param>
/// <param name="HeldOut">The split decisions were made on, when there was one.</param>
/// <param name="Model">The model family that scored candidates, when there was one.</param>
/// <param name="Read">How ingredients were read (prefix handling, state-dict key).</param>
/// <param name="Output">The output's format and dtype.</param>
public sealed record Recipe(
    int Version,
    string Tool,
    string Strategy,
    string Command,
    IReadOnlyDictionary<string, string> Settings,
    IReadOnlyList<RecipeInput> Ingredients,
    RecipeInput? Base,
    IReadOnlyList<double>? Weights,
    IReadOnlyDictionary<string, double[]>? TensorWeights,
    RecipeSplit? HeldOut,
    string? Model,
    RecipeRead Read,
    RecipeOutput Output)
{
    /// <summary>The safetensors metadata key.</summary>
    public const string MetadataKey = "soup.recipe";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The recipe as compact JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a recipe; a malformed or inconsistent one (<see cref="RecipeCheck"/>) is a <see cref="CheckpointFormatException"/> of <paramref name="path"/>.</summary>
    public static Recipe Parse(string json, string path)
    {
        try
        {
            var recipe = JsonSerializer.Deserialize<Recipe>(json, Json);
            if (recipe is null) throw new CheckpointFormatException(path, $"its {MetadataKey} metadata is not a recipe this version reads");
            RecipeCheck.Require(recipe, path);
            return recipe;
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(path, $"its {MetadataKey} metadata is not valid JSON ({e.Message})");
        }
    }

    /// <summary>The recipe stored in <paramref name="checkpoint"/>, or null when it has none.</summary>
    public static Recipe? Of(ICheckpointReader checkpoint) =>
        checkpoint.Metadata.TryGetValue(MetadataKey, out var json) ? Parse(json, checkpoint.Path) : null;

    /// <summary>True when <paramref name="output"/>'s format stores metadata, so a recipe is worth making (safetensors).</summary>
    public static bool Fits(SoupOutput output) =>
        KnownCheckpointFormats.ForOutput(output.Path, output.Format).Name == KnownCheckpointFormats.Safetensors.Name;

    /// <summary>The recipe of a soup about to be baked from <paramref name="plan"/>.</summary>
    public static Recipe For(ISoupStrategy strategy, ParameterValues values, SoupPlan plan, RunInputs inputs, SoupOutput output,
        ReadOptions read, bool pendingHashes = false)
    {
        var settings = new SortedDictionary<string, string>(values.Describe(strategy.Parameters).ToDictionary(), StringComparer.Ordinal);
        foreach (var (name, text) in plan.Replay) settings[name] = text;
        var mean = plan.Merge as WeightedMean;
        return new Recipe(
            1,
            "soup " + ToolVersion.Text,
            plan.Strategy,
            strategy.Name,
            settings,
            inputs.Ingredients.Readers.Select(r => inputs.RecipeInputOf(r, pendingHashes)).ToList(),
            inputs.Ingredients.Base is { } b ? inputs.RecipeInputOf(b, pendingHashes) : null,
            mean?.Weights,
            mean?.PerTensor?.ToDictionary(kv => kv.Key, kv => kv.Value),
            inputs.HeldOut is { } split ? new RecipeSplit(split.Fingerprint, split.Description) : null,
            inputs.Evaluator?.Family.Identity,
            new RecipeRead(read.StripPrefix, read.StateDictKey, read.PrefixRules.Select(r => $"{r.From}={r.To}").ToList()),
            new RecipeOutput(output.Format, output.DType is { } dtype ? DTypes.Name(dtype) : null));
    }
}

/// <summary>One input file of a recipe.</summary>
/// <param name="File">Its file name (no folder: rebake finds it by name and checks its hash).</param>
/// <param name="Sha256">The SHA-256 of its content (of all its files, for a sharded checkpoint).</param>
/// <param name="WeightsKey">Where in the file the weights were found, when not at the top.</param>
/// <param name="Recipe">Its own recipe, when it is a soup.</param>
public sealed record RecipeInput(string File, string Sha256, string? WeightsKey, Recipe? Recipe);

/// <summary>The split a recipe's decisions were made on.</summary>
public sealed record RecipeSplit(string Fingerprint, string Description);

/// <summary>How a recipe's ingredients were read.</summary>
public sealed record RecipeRead(string StripPrefix, string? StateDictKey, IReadOnlyList<string> MapPrefix)
{
    /// <summary>The read options these settings stand for.</summary>
    public ReadOptions ToOptions() =>
        new(StripPrefix, StateDictKey) { PrefixRules = MapPrefix.Select(PrefixRule.Parse).ToList() };
}

/// <summary>A recipe's output: format name (null: chosen from the extension) and dtype (null: the ingredients').</summary>
public sealed record RecipeOutput(string? Format, string? DType);
